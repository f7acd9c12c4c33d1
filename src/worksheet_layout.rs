//! The layout of the worksheet's "Customers" and "Users" sheets that `render::workbook` writes
//! and `ingest::overrides` reads back: one place for the contract between the two.

/// Headers of the "Customers" sheet; `overrides` finds columns by these names.
pub mod headers {
    /// Customer tenant id (the first column).
    pub const CUSTOMER_ID: &str = "Customer ID";
    /// Target plan (editable, drop-down).
    pub const TARGET: &str = "Target plan";
    /// Seats to buy (editable).
    pub const SEATS: &str = "Seats to buy";
    /// Commitment term of a new subscription (editable, drop-down).
    pub const TERM: &str = "Term";
    /// Billing frequency of a new subscription (editable, drop-down).
    pub const BILLING: &str = "Billing";
    /// Include in the migration: Yes/No (editable).
    pub const INCLUDE: &str = "Include";
    /// Status of step A (editable, drop-down).
    pub const STEP_A: &str = "A: buy";
    /// Status of step B (editable, drop-down).
    pub const STEP_B: &str = "B: move users";
    /// Status of step C (editable, drop-down).
    pub const STEP_C: &str = "C: suspend";
    /// The three step status columns, A to C.
    pub const STEPS: [&str; 3] = [STEP_A, STEP_B, STEP_C];
    /// The account manager's notes (editable).
    pub const NOTES: &str = "Notes";
    /// The target the tool recommended (hidden; tells edited cells from unedited ones).
    pub const RECOMMENDED_TARGET: &str = "Recommended target";
    /// The seats the tool recommended (hidden).
    pub const RECOMMENDED_SEATS: &str = "Recommended seats";
    /// The term the tool recommended (hidden).
    pub const RECOMMENDED_TERM: &str = "Recommended term";
    /// The billing the tool recommended (hidden).
    pub const RECOMMENDED_BILLING: &str = "Recommended billing";
}

/// Headers of the "Users" sheet that `overrides` reads (with `headers::CUSTOMER_ID`).
pub mod users {
    /// The user.
    pub const UPN: &str = "User principal name";
    /// The user's status (editable, drop-down).
    pub const STATUS: &str = "Status";
}

/// The name of the sheet `overrides` reads the customers from.
pub const CUSTOMERS_SHEET: &str = "Customers";
/// The name of the sheet `overrides` reads the users' statuses from.
pub const USERS_SHEET: &str = "Users";
