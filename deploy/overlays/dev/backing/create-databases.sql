CREATE DATABASE registry OWNER culture;
CREATE DATABASE events OWNER culture;
