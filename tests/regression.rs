//! One test per fixed bug, each naming its issue.
