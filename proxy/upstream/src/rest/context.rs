//! Who a call is made for: tenant, routing hint, connection id and credentials.

use std::fmt;
use std::sync::Arc;

use uuid::Uuid;

use crate::token::TokenSource;

/// The system mailbox the module anchors app-only calls on (exo-rest.md §2.6).
pub const APP_ANCHOR_MAILBOX: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

/// The `X-AnchorMailbox` routing hint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Anchor {
    /// `-BypassMailboxAnchoring`: no header.
    #[default]
    None,
    /// Delegated: `UPN:<signed-in user>`.
    Upn(String),
    /// App-only: `APP:SystemMailbox{bb558c35-…}@<tenant id or domain>`.
    App { tenant: String },
    /// Sent verbatim (e.g. `SMTP:<address>` for parameter-based routing).
    Raw(String),
}

impl Anchor {
    pub fn header_value(&self) -> Option<String> {
        match self {
            Anchor::None => None,
            Anchor::Upn(upn) => Some(format!("UPN:{upn}")),
            Anchor::App { tenant } => Some(format!("APP:{APP_ANCHOR_MAILBOX}@{tenant}")),
            Anchor::Raw(value) => Some(value.clone()),
        }
    }
}

/// Everything about the caller that shapes one `InvokeCommand` call.
#[derive(Clone)]
pub struct CallContext {
    /// The tenant segment of the URL: tenant id or domain (the `DelegatedOrg` customer for
    /// partner connections).
    pub tenant: String,
    pub anchor: Anchor,
    /// Created once per connection (shell) and sent on every call.
    pub connection_id: Uuid,
    /// Where the bearer token comes from; tokens go through the client's cache.
    pub credentials: Arc<dyn TokenSource>,
    /// Entries per page, 1–1000 (`-PageSize`); `None` for the client's default.
    pub page_size: Option<u32>,
    /// `-WarningAction` value forwarded as the `WarningAction` header.
    pub warning_action: Option<String>,
}

impl CallContext {
    pub fn new(tenant: impl Into<String>, credentials: Arc<dyn TokenSource>) -> Self {
        CallContext {
            tenant: tenant.into(),
            anchor: Anchor::None,
            connection_id: Uuid::new_v4(),
            credentials,
            page_size: None,
            warning_action: None,
        }
    }

    pub fn with_anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    pub fn with_connection_id(mut self, connection_id: Uuid) -> Self {
        self.connection_id = connection_id;
        self
    }

    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    pub fn with_warning_action(mut self, action: impl Into<String>) -> Self {
        self.warning_action = Some(action.into());
        self
    }
}

impl fmt::Debug for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The credentials' own Debug redacts secrets.
        f.debug_struct("CallContext")
            .field("tenant", &self.tenant)
            .field("anchor", &self.anchor)
            .field("connection_id", &self.connection_id)
            .field("credentials", &self.credentials)
            .field("page_size", &self.page_size)
            .field("warning_action", &self.warning_action)
            .finish()
    }
}
