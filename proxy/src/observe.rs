//! Per-request observation for the server: the WS-Man action of a body (for metric labels,
//! without a full parse), and a guard that records latency, status and in-flight count
//! exactly once — also when the client disconnects and the handler future is dropped.

use std::sync::Arc;
use std::time::Instant;

use crate::metrics::{action_label, InFlight, Metrics};

/// Status recorded for a request whose client went away before the answer (nginx's 499).
pub const CLIENT_CLOSED: u16 = 499;

/// The short WS-Man action of a SOAP envelope (`Create`, `Receive`, …), `other` when there is
/// none. Looks only at the first `Action` element, so a huge body costs a bounded scan.
pub fn peek_action(body: &[u8]) -> &'static str {
    // The header comes first; 8 KiB covers any real one.
    let head = &body[..body.len().min(8 * 1024)];
    let text = String::from_utf8_lossy(head);
    let Some(at) = find_action_start(&text) else {
        return "other";
    };
    let rest = &text[at..];
    let Some(open_end) = rest.find('>') else {
        return "other";
    };
    let value = &rest[open_end + 1..];
    let value = value.split('<').next().unwrap_or("").trim();
    action_label(value)
}

/// Byte offset of the first `<…Action` start tag (any prefix, attributes allowed).
fn find_action_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(rel) = text[from..].find("Action") {
        let at = from + rel;
        let Some(tag_start) = text[..at].rfind('<') else {
            from = at + "Action".len();
            continue;
        };
        let name = &text[tag_start + 1..at];
        let after = text[at + "Action".len()..].chars().next();
        let is_element = !name.starts_with('/')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '_')
            && (name.is_empty() || name.ends_with(':'))
            && matches!(after, Some('>' | ' ' | '\t' | '\r' | '\n'));
        if is_element {
            return Some(tag_start);
        }
        from = at + "Action".len();
    }
    None
}

/// Records one request in the metrics when finished or dropped.
#[derive(Debug)]
pub struct RequestGuard {
    metrics: Arc<Metrics>,
    action: &'static str,
    started: Instant,
    done: bool,
    _in_flight: InFlight,
}

impl RequestGuard {
    pub fn start(metrics: Arc<Metrics>, action: &'static str) -> Self {
        let in_flight = metrics.in_flight();
        Self {
            metrics,
            action,
            started: Instant::now(),
            done: false,
            _in_flight: in_flight,
        }
    }

    /// The action is known only once the body is read.
    pub fn set_action(&mut self, action: &'static str) {
        self.action = action;
    }

    pub fn finish(mut self, status: u16) {
        self.record(status);
    }

    fn record(&mut self, status: u16) {
        if !self.done {
            self.done = true;
            self.metrics
                .observe_request(self.action, status, self.started.elapsed());
        }
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.record(CLIENT_CLOSED);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(action: &str) -> String {
        format!(
            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" \
             xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><s:Header>\
             <a:To>http://x/PowerShell-LiveID</a:To>\
             <a:ReplyTo><a:Address s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>\
             <a:Action s:mustUnderstand=\"true\">{action}</a:Action></s:Header><s:Body/></s:Envelope>"
        )
    }

    #[test]
    fn finds_the_action_of_real_envelopes() {
        assert_eq!(
            peek_action(
                envelope("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive")
                    .as_bytes()
            ),
            "Receive"
        );
        assert_eq!(
            peek_action(
                envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Create").as_bytes()
            ),
            "Create"
        );
        // No prefix, line breaks inside the element.
        assert_eq!(
            peek_action(
                b"<Envelope><Header><Action>\n http://x/shell/Signal \n</Action></Header></Envelope>"
            ),
            "Signal"
        );
    }

    #[test]
    fn anything_else_is_other() {
        assert_eq!(peek_action(b""), "other");
        assert_eq!(peek_action(b"<not-soap/>"), "other");
        assert_eq!(peek_action(b"\xff\xfe garbage Action"), "other");
        // `ReplyToAction` or an attribute named Action is not the element.
        assert_eq!(
            peek_action(b"<a:ReplyToAction>http://x/Create</a:ReplyToAction><x Action=\"y\"/>"),
            "other"
        );
        assert_eq!(
            peek_action(envelope("urn:made-up/Frobnicate").as_bytes()),
            "other"
        );
    }

    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines().find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
    }

    #[test]
    fn a_guard_records_once_and_a_dropped_one_as_client_closed() {
        let metrics = Arc::new(Metrics::new());
        let mut g = RequestGuard::start(metrics.clone(), "other");
        assert_eq!(
            sample(&metrics.encode(), "exomig_requests_in_flight"),
            Some(1.0)
        );
        g.set_action("Command");
        g.finish(200);
        drop(RequestGuard::start(metrics.clone(), "Receive"));
        let text = metrics.encode();
        assert_eq!(
            sample(
                &text,
                r#"exomig_requests_total{action="Command",status="200"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"exomig_requests_total{action="Receive",status="499"}"#
            ),
            Some(1.0)
        );
        assert_eq!(sample(&text, "exomig_requests_in_flight"), Some(0.0));
    }
}
