-- pg_chargeback 0.1.0 -> 0.2.0. Built from src/sql/0.2.0/*.sql by the Makefile; edit those.
-- A fresh CREATE EXTENSION runs pg_chargeback--0.1.0.sql and then this script, so a new
-- install and an upgraded one are the same by construction (test: sql/oldextversions.sql).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_chargeback UPDATE TO '0.2.0'" to load this file. \quit
