//! Escaping for text placed into XML we build by hand.

/// Escapes `&`, `<`, `>` and both quote characters so the text is safe in element
/// content and in attribute values alike.
pub(crate) fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(text)
}
