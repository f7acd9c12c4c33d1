//! Delimited text: the record reader, its parts read in parallel, and everything ingest does
//! with the rows.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| common::read_as(bytes, "input.csv"));
