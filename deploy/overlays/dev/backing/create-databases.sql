CREATE DATABASE registry OWNER culture;
