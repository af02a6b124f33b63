//! SESSION_CAPABILITY (MS-PSRP 2.2.2.1): version negotiation.

use super::PsrpError;
use crate::clixml::{PsObject, Value};

/// The protocol version the proxy advertises; Windows and pypsrp both send 2.3.
pub const SERVER_PROTOCOL_VERSION: &str = "2.3";
/// Windows PowerShell fails the connection unless this is exactly `2.0`.
pub const SERVER_PS_VERSION: &str = "2.0";
/// Windows PowerShell fails the connection unless this is exactly `1.1.0.1`.
pub const SERVER_SERIALIZATION_VERSION: &str = "1.1.0.1";

/// What a client announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCapability {
    /// `protocolversion`, e.g. `2.3`.
    pub protocol_version: String,
    /// `PSVersion`, e.g. `2.0`.
    pub ps_version: String,
    /// `SerializationVersion`, e.g. `1.1.0.1`.
    pub serialization_version: String,
    /// The optional serialized client time zone (`BA TimeZone`), opaque to us.
    pub time_zone: Option<Vec<u8>>,
}

impl SessionCapability {
    /// Reads the capability from a message's CLIXML value.
    pub fn from_value(v: &Value) -> Result<Self, PsrpError> {
        let o = v.as_obj().ok_or(PsrpError::Missing {
            message: "SESSION_CAPABILITY",
            what: "object",
        })?;
        let text = |name: &'static str| -> Result<String, PsrpError> {
            match o.get(name) {
                Some(Value::Version(s)) | Some(Value::Str(s)) => Ok(s.clone()),
                _ => Err(PsrpError::Missing {
                    message: "SESSION_CAPABILITY",
                    what: name,
                }),
            }
        };
        Ok(SessionCapability {
            protocol_version: text("protocolversion")?,
            ps_version: text("PSVersion")?,
            serialization_version: text("SerializationVersion")?,
            time_zone: match o.get("TimeZone") {
                Some(Value::Bytes(b)) => Some(b.clone()),
                _ => None,
            },
        })
    }

    /// Whether the client's protocol version is one the proxy serves (2.x with
    /// x ≥ 0), so a mismatched client can be refused with a clear fault.
    pub fn protocol_supported(&self) -> bool {
        let mut parts = self.protocol_version.split('.');
        parts.next() == Some("2") && parts.next().is_some_and(|m| m.parse::<u32>().is_ok())
    }

    /// Whether the client may send 512000-byte envelopes (protocol ≥ 2.2), which
    /// pypsrp switches to after reading our reply.
    pub fn allows_large_envelopes(&self) -> bool {
        let mut parts = self.protocol_version.split('.');
        let major = parts
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0);
        let minor = parts
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0);
        (major, minor) >= (2, 2)
    }
}

/// The server's SESSION_CAPABILITY data, byte for byte what Windows clients
/// accept (psrp.md §4). Sent with an all-zero RPID.
pub fn server_capability() -> String {
    let mut o = PsObject::default();
    o.push_extended(
        "protocolversion",
        Value::Version(SERVER_PROTOCOL_VERSION.into()),
    );
    o.push_extended("PSVersion", Value::Version(SERVER_PS_VERSION.into()));
    o.push_extended(
        "SerializationVersion",
        Value::Version(SERVER_SERIALIZATION_VERSION.into()),
    );
    crate::clixml::to_clixml(&Value::obj(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clixml::from_clixml;

    #[test]
    fn server_reply_is_byte_exact() {
        assert_eq!(
            server_capability(),
            "<Obj RefId=\"0\"><MS><Version N=\"protocolversion\">2.3</Version><Version N=\"PSVersion\">2.0</Version>\
             <Version N=\"SerializationVersion\">1.1.0.1</Version></MS></Obj>"
        );
    }

    #[test]
    fn parses_pypsrp_capability() {
        let xml = "<Obj RefId=\"0\"><MS><Version N=\"protocolversion\">2.3</Version><Version N=\"PSVersion\">2.0</Version>\
                   <Version N=\"SerializationVersion\">1.1.0.1</Version><BA N=\"TimeZone\">AAEC</BA></MS></Obj>";
        let cap =
            SessionCapability::from_value(&from_clixml(xml).expect("xml")).expect("capability");
        assert_eq!(cap.protocol_version, "2.3");
        assert_eq!(cap.time_zone, Some(vec![0, 1, 2]));
        assert!(cap.protocol_supported());
        assert!(cap.allows_large_envelopes());
    }

    #[test]
    fn old_and_foreign_versions() {
        let mut cap =
            SessionCapability::from_value(&from_clixml(&server_capability()).expect("xml"))
                .expect("cap");
        cap.protocol_version = "2.1".into();
        assert!(cap.protocol_supported());
        assert!(!cap.allows_large_envelopes());
        cap.protocol_version = "3.0".into();
        assert!(!cap.protocol_supported());
    }

    #[test]
    fn missing_version_is_reported() {
        let v =
            from_clixml("<Obj RefId=\"0\"><MS><Version N=\"PSVersion\">2.0</Version></MS></Obj>")
                .expect("xml");
        assert_eq!(
            SessionCapability::from_value(&v),
            Err(PsrpError::Missing {
                message: "SESSION_CAPABILITY",
                what: "protocolversion"
            })
        );
    }
}
