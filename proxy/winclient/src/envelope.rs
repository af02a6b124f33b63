//! SOAP envelopes shaped like the Windows WinRM client's: its `s`/`a`/`w`/`p` prefixes, header
//! order, `SessionId`/`OperationID`/`SequenceId`, `OptionSet`s per operation and `rsp`
//! declared on the body element.

pub const RESOURCE: &str = "http://schemas.microsoft.com/powershell/Microsoft.Exchange";
pub const SHELL_NS: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell";
pub const ACTION_CREATE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create";
pub const ACTION_DELETE: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete";
pub const ACTION_COMMAND: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command";
pub const ACTION_SEND: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send";
pub const ACTION_RECEIVE: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive";
pub const ACTION_SIGNAL: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal";
pub const SIGNAL_TERMINATE: &str =
    "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/Terminate";
/// PowerShell's own spelling of the stop signal (sic).
pub const SIGNAL_CRTL_C: &str = "http://schemas.microsoft.com/powershell/signal/crtl_c";

/// The per-request parts of a header.
pub struct Header<'a> {
    pub to: &'a str,
    pub action: &'a str,
    pub message_id: &'a str,
    pub session_id: &'a str,
    pub sequence: u64,
    pub max_envelope: usize,
    pub operation_timeout_s: u32,
    pub shell_id: Option<&'a str>,
    /// `(name, value, must_comply)` options.
    pub options: &'a [(&'a str, &'a str, bool)],
    /// Extra header elements (the compression request on Create).
    pub extra: &'a str,
}

pub fn envelope(h: &Header<'_>, body: &str) -> String {
    let selector = h
        .shell_id
        .map(|s| {
            format!("<w:SelectorSet><w:Selector Name=\"ShellId\">{s}</w:Selector></w:SelectorSet>")
        })
        .unwrap_or_default();
    let options = if h.options.is_empty() {
        String::new()
    } else {
        let items: String = h
            .options
            .iter()
            .map(|(n, v, must)| {
                let mc = if *must { " MustComply=\"true\"" } else { "" };
                format!("<w:Option Name=\"{n}\"{mc}>{v}</w:Option>")
            })
            .collect();
        format!(
            "<w:OptionSet xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" s:mustUnderstand=\"true\">{items}</w:OptionSet>"
        )
    };
    format!(
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
         xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\">\
         <s:Header><a:To>{to}</a:To><w:ResourceURI s:mustUnderstand=\"true\">{RESOURCE}</w:ResourceURI>\
         <a:ReplyTo><a:Address s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>\
         <a:Action s:mustUnderstand=\"true\">{action}</a:Action><w:MaxEnvelopeSize s:mustUnderstand=\"true\">{max}</w:MaxEnvelopeSize>\
         <a:MessageID>{mid}</a:MessageID><w:Locale xml:lang=\"en-US\" s:mustUnderstand=\"false\" />\
         <p:DataLocale xml:lang=\"en-US\" s:mustUnderstand=\"false\" /><p:SessionId s:mustUnderstand=\"false\">{sid}</p:SessionId>\
         <p:OperationID s:mustUnderstand=\"false\">{mid}</p:OperationID><p:SequenceId s:mustUnderstand=\"false\">{seq}</p:SequenceId>\
         {selector}{options}<w:OperationTimeout>PT{timeout}.000S</w:OperationTimeout>{extra}</s:Header><s:Body>{body}</s:Body></s:Envelope>",
        to = xml_escape(h.to),
        action = h.action,
        max = h.max_envelope,
        mid = h.message_id,
        sid = h.session_id,
        seq = h.sequence,
        timeout = h.operation_timeout_s,
        extra = h.extra,
    )
}

/// The compression request Windows adds to Create unless `-NoCompression` is used.
pub fn compression_header() -> String {
    format!("<rsp:CompressionType s:mustUnderstand=\"true\" xmlns:rsp=\"{SHELL_NS}\">xpress</rsp:CompressionType>")
}

pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
