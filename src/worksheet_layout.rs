//! The layout of the worksheet's "Customers" sheet that `render::workbook` writes and
//! `ingest::overrides` reads back: one place for the contract between the two.

/// Headers of the "Customers" sheet, in order; `overrides` finds columns by these names.
pub mod headers {
    /// Customer tenant id.
    pub const CUSTOMER_ID: &str = "Customer ID";
    /// Target plan (editable, drop-down).
    pub const TARGET: &str = "Target plan";
    /// Seats to buy (editable).
    pub const SEATS: &str = "Seats to buy";
    /// Include in the migration: Yes/No (editable).
    pub const INCLUDE: &str = "Include";
    /// The account manager's notes (editable).
    pub const NOTES: &str = "Notes";
    /// The target the tool recommended (hidden; tells edited cells from unedited ones).
    pub const RECOMMENDED_TARGET: &str = "Recommended target";
    /// The seats the tool recommended (hidden).
    pub const RECOMMENDED_SEATS: &str = "Recommended seats";
}

/// The name of the sheet `overrides` reads.
pub const CUSTOMERS_SHEET: &str = "Customers";
