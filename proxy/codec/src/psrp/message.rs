//! PSRP messages (MS-PSRP 2.2.1): little-endian header, two GUIDs in .NET byte
//! order, then UTF-8 CLIXML.

use uuid::Uuid;

use super::{MessageType, PsrpError};

/// Destination (4) + MessageType (4) + RPID (16) + PID (16).
pub const MESSAGE_HEADER_LEN: usize = 40;

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Who a message is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// 1: messages the server sends.
    Client,
    /// 2: messages clients send.
    Server,
    /// Any other value, kept for diagnostics.
    Other(u32),
}

impl Destination {
    fn code(self) -> u32 {
        match self {
            Destination::Client => 1,
            Destination::Server => 2,
            Destination::Other(v) => v,
        }
    }

    fn from_code(v: u32) -> Self {
        match v {
            1 => Destination::Client,
            2 => Destination::Server,
            v => Destination::Other(v),
        }
    }
}

/// One PSRP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Destination field.
    pub destination: Destination,
    /// Type code.
    pub message_type: MessageType,
    /// Runspace pool id (all zero on the server's first SESSION_CAPABILITY).
    pub rpid: Uuid,
    /// Pipeline id, all zero for pool-level messages.
    pub pid: Uuid,
    /// The CLIXML bytes, without a BOM.
    pub data: Vec<u8>,
}

impl Message {
    /// A server→client message.
    pub fn to_client(
        message_type: MessageType,
        rpid: Uuid,
        pid: Uuid,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        Message {
            destination: Destination::Client,
            message_type,
            rpid,
            pid,
            data: data.into(),
        }
    }

    /// Decodes a reassembled message. A leading UTF-8 BOM in the data is removed,
    /// since Windows clients send one and psrpcore does not.
    pub fn parse(bytes: &[u8]) -> Result<Self, PsrpError> {
        if bytes.len() < MESSAGE_HEADER_LEN {
            return Err(PsrpError::Truncated {
                what: "message",
                need: MESSAGE_HEADER_LEN,
                have: bytes.len(),
            });
        }
        let u32_at = |at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&bytes[at..at + 4]);
            u32::from_le_bytes(w)
        };
        let guid_at = |at: usize| {
            let mut g = [0u8; 16];
            g.copy_from_slice(&bytes[at..at + 16]);
            Uuid::from_bytes_le(g)
        };
        let data = &bytes[MESSAGE_HEADER_LEN..];
        let data = data.strip_prefix(BOM).unwrap_or(data);
        Ok(Message {
            destination: Destination::from_code(u32_at(0)),
            message_type: MessageType(u32_at(4)),
            rpid: guid_at(8),
            pid: guid_at(24),
            data: data.to_vec(),
        })
    }

    /// Encodes the message; no BOM is written (psrpcore's choice, accepted by all
    /// clients).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MESSAGE_HEADER_LEN + self.data.len());
        out.extend_from_slice(&self.destination.code().to_le_bytes());
        out.extend_from_slice(&self.message_type.0.to_le_bytes());
        out.extend_from_slice(&self.rpid.to_bytes_le());
        out.extend_from_slice(&self.pid.to_bytes_le());
        out.extend_from_slice(&self.data);
        out
    }

    /// The data as text.
    pub fn text(&self) -> Result<&str, PsrpError> {
        std::str::from_utf8(&self.data).map_err(|_| PsrpError::NotUtf8)
    }

    /// The data parsed as one CLIXML value (`Nil` when the data is empty, as for
    /// END_OF_PIPELINE_INPUT).
    pub fn value(&self) -> Result<crate::clixml::Value, PsrpError> {
        let text = self.text()?;
        if text.trim().is_empty() {
            return Ok(crate::clixml::Value::Nil);
        }
        Ok(crate::clixml::from_clixml(text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_pipeline_state_header_bytes() {
        let rpid = Uuid::parse_str("00112233-4455-6677-8899-aabbccddeeff").expect("uuid");
        let m = Message::to_client(
            MessageType::PIPELINE_STATE,
            rpid,
            Uuid::nil(),
            b"x".to_vec(),
        );
        let b = m.to_bytes();
        assert_eq!(&b[0..8], &[1, 0, 0, 0, 0x06, 0x10, 0x04, 0x00]);
        // .NET order: Data1..3 little-endian.
        assert_eq!(&b[8..16], &[0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66]);
        assert_eq!(Message::parse(&b), Ok(m));
    }

    #[test]
    fn bom_is_stripped() {
        let mut b = Message::to_client(
            MessageType::PIPELINE_OUTPUT,
            Uuid::nil(),
            Uuid::nil(),
            Vec::new(),
        )
        .to_bytes();
        b.extend_from_slice(b"\xEF\xBB\xBF<S>x</S>");
        let m = Message::parse(&b).expect("valid");
        assert_eq!(m.data, b"<S>x</S>");
        assert_eq!(m.value(), Ok(crate::clixml::Value::str("x")));
    }

    #[test]
    fn short_input_is_an_error() {
        assert!(matches!(
            Message::parse(&[0u8; 39]),
            Err(PsrpError::Truncated { .. })
        ));
    }

    #[test]
    fn unknown_type_is_kept() {
        let mut b = Message::to_client(MessageType(0xDEAD), Uuid::nil(), Uuid::nil(), Vec::new())
            .to_bytes();
        b[0] = 2;
        let m = Message::parse(&b).expect("valid");
        assert_eq!(m.destination, Destination::Server);
        assert!(!m.message_type.is_known());
        assert_eq!(m.message_type.to_string(), "0x0000DEAD");
    }

    proptest::proptest! {
        #[test]
        fn parse_and_decode_never_panic(
            t in proptest::sample::select(vec![0x0001_0002u32, 0x0001_0004, 0x0002_1006, 0x0002_100A, 0x0004_1002, 0x0002_1002, 0x0002_1101]),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        ) {
            let mut bytes = Message::to_client(MessageType(t), Uuid::nil(), Uuid::nil(), Vec::new()).to_bytes();
            bytes.extend(body);
            if let Ok(m) = Message::parse(&bytes) {
                let _ = crate::psrp::ClientMessage::decode(&m);
            }
        }
    }
}
