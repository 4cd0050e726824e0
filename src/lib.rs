//! hotidx: inspect, prove and change the indexes of a PostgreSQL or SQLite database, around
//! mdraft's hot-indexes migration. The core (config, db, catalog, migration, demo) knows nothing
//! of terminals; `cli` and `tui` are two front ends over it.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod explain;
pub mod findings;
pub mod ident;
pub mod migration;
pub mod probes;
pub mod redact;
pub mod tui;
pub mod units;
