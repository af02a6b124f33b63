//! Objects the server emits besides plain output: error, warning and other
//! informational records, and the shapes Import-PSSession expects from
//! GET_COMMAND_METADATA.

mod category;
mod error;
mod informational;
mod metadata;

pub use category::{
    category_name, CATEGORY_INVALID_OPERATION, CATEGORY_NOT_SPECIFIED, CATEGORY_OBJECT_NOT_FOUND,
    CATEGORY_PARSER_ERROR,
};
pub use error::ErrorRecord;
pub use informational::{informational_record, warning_record, InformationalKind};
pub use metadata::{command_metadata_count, CommandMetadata, COMMON_PARAMETERS};
