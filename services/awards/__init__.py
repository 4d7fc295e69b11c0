"""The awards service: nominations and selection (评选表彰), the assessment and the programme's targets."""
