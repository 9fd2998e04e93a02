//! Integration tests of duban-docs: the generated packages are unzipped and their XML parsed
//! back, so every assertion is about what Word, WPS or LibreOffice will read.

mod bulletin;
mod fixtures;
mod official;
mod ooxml;
mod props;
mod report;
mod schema;
mod seed;
mod xlsx;
