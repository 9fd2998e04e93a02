//! Integration tests of duban-assess: the seed report, whole ledgers, and properties.

mod corpus;
mod ledger;
mod props;
mod rules;
mod seed;
