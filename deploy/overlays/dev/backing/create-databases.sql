CREATE DATABASE registry OWNER culture;
CREATE DATABASE events OWNER culture;
CREATE DATABASE talent OWNER culture;
CREATE DATABASE awards OWNER culture;
