//! PSRP message type codes (MS-PSRP 2.2.1).

/// A message type code. Unknown codes are representable so that parsing never
/// fails on them; the server must only ever *send* the named constants, because
/// pypsrp crashes on a type it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageType(pub u32);

impl MessageType {
    pub const SESSION_CAPABILITY: Self = Self(0x0001_0002);
    pub const INIT_RUNSPACEPOOL: Self = Self(0x0001_0004);
    pub const PUBLIC_KEY: Self = Self(0x0001_0005);
    pub const ENCRYPTED_SESSION_KEY: Self = Self(0x0001_0006);
    pub const PUBLIC_KEY_REQUEST: Self = Self(0x0001_0007);
    pub const CONNECT_RUNSPACEPOOL: Self = Self(0x0001_0008);
    pub const RUNSPACEPOOL_INIT_DATA: Self = Self(0x0002_100B);
    pub const RESET_RUNSPACE_STATE: Self = Self(0x0002_100C);
    pub const SET_MAX_RUNSPACES: Self = Self(0x0002_1002);
    pub const SET_MIN_RUNSPACES: Self = Self(0x0002_1003);
    pub const RUNSPACE_AVAILABILITY: Self = Self(0x0002_1004);
    pub const RUNSPACEPOOL_STATE: Self = Self(0x0002_1005);
    pub const CREATE_PIPELINE: Self = Self(0x0002_1006);
    pub const GET_AVAILABLE_RUNSPACES: Self = Self(0x0002_1007);
    pub const USER_EVENT: Self = Self(0x0002_1008);
    pub const APPLICATION_PRIVATE_DATA: Self = Self(0x0002_1009);
    pub const GET_COMMAND_METADATA: Self = Self(0x0002_100A);
    pub const RUNSPACEPOOL_HOST_CALL: Self = Self(0x0002_1100);
    pub const RUNSPACEPOOL_HOST_RESPONSE: Self = Self(0x0002_1101);
    pub const PIPELINE_INPUT: Self = Self(0x0004_1002);
    pub const END_OF_PIPELINE_INPUT: Self = Self(0x0004_1003);
    pub const PIPELINE_OUTPUT: Self = Self(0x0004_1004);
    pub const ERROR_RECORD: Self = Self(0x0004_1005);
    pub const PIPELINE_STATE: Self = Self(0x0004_1006);
    pub const DEBUG_RECORD: Self = Self(0x0004_1007);
    pub const VERBOSE_RECORD: Self = Self(0x0004_1008);
    pub const WARNING_RECORD: Self = Self(0x0004_1009);
    pub const PROGRESS_RECORD: Self = Self(0x0004_1010);
    pub const INFORMATION_RECORD: Self = Self(0x0004_1011);
    pub const PIPELINE_HOST_CALL: Self = Self(0x0004_1100);
    pub const PIPELINE_HOST_RESPONSE: Self = Self(0x0004_1101);

    const NAMES: &'static [(Self, &'static str)] = &[
        (Self::SESSION_CAPABILITY, "SESSION_CAPABILITY"),
        (Self::INIT_RUNSPACEPOOL, "INIT_RUNSPACEPOOL"),
        (Self::PUBLIC_KEY, "PUBLIC_KEY"),
        (Self::ENCRYPTED_SESSION_KEY, "ENCRYPTED_SESSION_KEY"),
        (Self::PUBLIC_KEY_REQUEST, "PUBLIC_KEY_REQUEST"),
        (Self::CONNECT_RUNSPACEPOOL, "CONNECT_RUNSPACEPOOL"),
        (Self::RUNSPACEPOOL_INIT_DATA, "RUNSPACEPOOL_INIT_DATA"),
        (Self::RESET_RUNSPACE_STATE, "RESET_RUNSPACE_STATE"),
        (Self::SET_MAX_RUNSPACES, "SET_MAX_RUNSPACES"),
        (Self::SET_MIN_RUNSPACES, "SET_MIN_RUNSPACES"),
        (Self::RUNSPACE_AVAILABILITY, "RUNSPACE_AVAILABILITY"),
        (Self::RUNSPACEPOOL_STATE, "RUNSPACEPOOL_STATE"),
        (Self::CREATE_PIPELINE, "CREATE_PIPELINE"),
        (Self::GET_AVAILABLE_RUNSPACES, "GET_AVAILABLE_RUNSPACES"),
        (Self::USER_EVENT, "USER_EVENT"),
        (Self::APPLICATION_PRIVATE_DATA, "APPLICATION_PRIVATE_DATA"),
        (Self::GET_COMMAND_METADATA, "GET_COMMAND_METADATA"),
        (Self::RUNSPACEPOOL_HOST_CALL, "RUNSPACEPOOL_HOST_CALL"),
        (
            Self::RUNSPACEPOOL_HOST_RESPONSE,
            "RUNSPACEPOOL_HOST_RESPONSE",
        ),
        (Self::PIPELINE_INPUT, "PIPELINE_INPUT"),
        (Self::END_OF_PIPELINE_INPUT, "END_OF_PIPELINE_INPUT"),
        (Self::PIPELINE_OUTPUT, "PIPELINE_OUTPUT"),
        (Self::ERROR_RECORD, "ERROR_RECORD"),
        (Self::PIPELINE_STATE, "PIPELINE_STATE"),
        (Self::DEBUG_RECORD, "DEBUG_RECORD"),
        (Self::VERBOSE_RECORD, "VERBOSE_RECORD"),
        (Self::WARNING_RECORD, "WARNING_RECORD"),
        (Self::PROGRESS_RECORD, "PROGRESS_RECORD"),
        (Self::INFORMATION_RECORD, "INFORMATION_RECORD"),
        (Self::PIPELINE_HOST_CALL, "PIPELINE_HOST_CALL"),
        (Self::PIPELINE_HOST_RESPONSE, "PIPELINE_HOST_RESPONSE"),
    ];

    /// The MS-PSRP name, or `None` for an unknown code.
    pub fn name(self) -> Option<&'static str> {
        Self::NAMES
            .iter()
            .find(|(t, _)| *t == self)
            .map(|(_, n)| *n)
    }

    /// Whether the code is one of the defined message types.
    pub fn is_known(self) -> bool {
        self.name().is_some()
    }
}

impl std::fmt::Display for MessageType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}
