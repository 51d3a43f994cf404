-- pg_chargeback: exact LLM cost accounting, budgets and chargeback inside PostgreSQL.
-- This file is built from src/sql/0.1.0/*.sql by the Makefile; edit those, not the result.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_chargeback" to load this file. \quit

COMMENT ON SCHEMA chargeback IS 'pg_chargeback: priced, owned and allocated LLM usage';
