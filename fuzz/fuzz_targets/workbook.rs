//! Workbooks: the zip, the sheet reader and everything ingest does with the rows.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| common::read_as(bytes, "input.xlsx"));
