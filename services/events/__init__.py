"""The events service: activity scheduling, registrations, the Mobile Lecture Hall, tours."""
