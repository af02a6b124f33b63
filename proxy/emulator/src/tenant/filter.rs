//! OPATH filters as `-Filter` takes them: comparisons (`-eq`, `-ne`, `-like`, `-notlike`)
//! joined by `-and`, `-or`, `-not` and parentheses. Comparisons ignore case, as Exchange does.

use serde_json::Value;

use super::Obj;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        property: String,
        op: Op,
        value: Option<String>,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Like,
    NotLike,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Operator(String),
    Open,
    Close,
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '\'' | '"' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        // A doubled quote inside a quoted string is one literal quote.
                        Some(q) if q == c && chars.peek() == Some(&c) => {
                            chars.next();
                            text.push(c);
                        }
                        Some(q) if q == c => break,
                        Some(other) => text.push(other),
                        None => {
                            return Err(FilterError(format!(
                                "Invalid filter syntax. The string starting with {c}{text} has no closing quote."
                            )))
                        }
                    }
                }
                tokens.push(Token::Quoted(text));
            }
            '-' => {
                chars.next();
                let mut word = String::new();
                while let Some(&w) = chars.peek() {
                    if w.is_ascii_alphabetic() {
                        word.push(w);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Operator(word.to_ascii_lowercase()));
            }
            _ => {
                let mut word = String::new();
                while let Some(&w) = chars.peek() {
                    if w.is_whitespace() || matches!(w, '(' | ')' | '\'' | '"') {
                        break;
                    }
                    word.push(w);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some(Token::Operator(o)) if o == "or") {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while matches!(self.peek(), Some(Token::Operator(o)) if o == "and") {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        match self.next() {
            Some(Token::Operator(o)) if o == "not" => Ok(Filter::Not(Box::new(self.unary()?))),
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(syntax("a closing parenthesis is missing")),
                }
            }
            Some(Token::Word(property)) => {
                let op = match self.next() {
                    Some(Token::Operator(o)) => match o.as_str() {
                        "eq" => Op::Eq,
                        "ne" => Op::Ne,
                        "like" => Op::Like,
                        "notlike" => Op::NotLike,
                        other => {
                            return Err(syntax(&format!(
                                "the operator '-{other}' is not supported"
                            )))
                        }
                    },
                    _ => {
                        return Err(syntax(&format!(
                            "an operator is expected after '{property}'"
                        )))
                    }
                };
                let value = match self.next() {
                    Some(Token::Quoted(v)) => Some(v),
                    Some(Token::Word(w)) => literal(&w),
                    _ => return Err(syntax(&format!("a value is expected after '{property}'"))),
                };
                Ok(Filter::Compare {
                    property,
                    op,
                    value,
                })
            }
            _ => Err(syntax("a property name is expected")),
        }
    }
}

fn syntax(detail: &str) -> FilterError {
    FilterError(format!("Invalid filter syntax: {detail}."))
}

/// Bare words: `$null`, `$true`/`$false` (sent as `'True'`/`'False'` by the module) or text.
fn literal(word: &str) -> Option<String> {
    match word.to_ascii_lowercase().as_str() {
        "$null" => None,
        "$true" => Some("True".to_owned()),
        "$false" => Some("False".to_owned()),
        _ => Some(word.to_owned()),
    }
}

impl Filter {
    pub fn parse(input: &str) -> Result<Self, FilterError> {
        let trimmed = input.trim();
        // Scripts often pass the filter as a script block, `{Name -eq 'x'}`.
        let inner = trimmed
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(trimmed);
        let mut parser = Parser {
            tokens: tokenize(inner)?,
            pos: 0,
        };
        let filter = parser.or()?;
        if parser.pos < parser.tokens.len() {
            return Err(syntax("unexpected text after the end of the filter"));
        }
        Ok(filter)
    }

    /// Property names the filter reads, for "not a recognized filterable property" errors.
    pub fn properties(&self) -> Vec<&str> {
        match self {
            Filter::Compare { property, .. } => vec![property.as_str()],
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut names = a.properties();
                names.extend(b.properties());
                names
            }
            Filter::Not(inner) => inner.properties(),
        }
    }

    pub fn matches(&self, obj: &Obj) -> bool {
        match self {
            Filter::Compare {
                property,
                op,
                value,
            } => {
                let actual = lookup(obj, property);
                let hit = compare(actual, *op, value.as_deref());
                match op {
                    Op::Eq | Op::Like => hit,
                    Op::Ne | Op::NotLike => !hit,
                }
            }
            Filter::And(a, b) => a.matches(obj) && b.matches(obj),
            Filter::Or(a, b) => a.matches(obj) || b.matches(obj),
            Filter::Not(inner) => !inner.matches(obj),
        }
    }
}

/// Case-insensitive property lookup.
pub fn lookup<'a>(obj: &'a Obj, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Whether the positive form of `op` holds. Multi-valued properties match when any value does.
fn compare(actual: Option<&Value>, op: Op, wanted: Option<&str>) -> bool {
    let like = matches!(op, Op::Like | Op::NotLike);
    match (actual, wanted) {
        (None | Some(Value::Null), None) => true,
        (None | Some(Value::Null), Some(w)) => w.is_empty(),
        (Some(Value::Array(items)), None) => items.is_empty(),
        (Some(Value::String(s)), None) => s.is_empty(),
        (Some(_), None) => false,
        (Some(Value::Array(items)), Some(w)) => items.iter().any(|item| {
            scalar_text(item)
                .is_some_and(|text| text_matches(&text, w, like) || address_matches(&text, w, like))
        }),
        (Some(v), Some(w)) => scalar_text(v).is_some_and(|text| text_matches(&text, w, like)),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `EmailAddresses -eq 'a@b'` matches `smtp:a@b`, as it does in Exchange.
fn address_matches(text: &str, wanted: &str, like: bool) -> bool {
    text.split_once(':')
        .is_some_and(|(_, address)| text_matches(address, wanted, like))
}

fn text_matches(text: &str, wanted: &str, like: bool) -> bool {
    if like {
        wildcard(&text.to_lowercase(), &wanted.to_lowercase())
    } else {
        text.to_lowercase() == wanted.to_lowercase()
    }
}

/// `*` matches any run of characters; nothing else is special.
fn wildcard(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return text == pattern;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(value: Value) -> Obj {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn equality_ignores_case() {
        let f = Filter::parse("RecipientTypeDetails -eq 'sharedmailbox'").expect("parses");
        assert!(f.matches(&obj(json!({"RecipientTypeDetails": "SharedMailbox"}))));
        assert!(!f.matches(&obj(json!({"RecipientTypeDetails": "UserMailbox"}))));
    }

    #[test]
    fn like_and_boolean_logic() {
        let f = Filter::parse("{(Name -like 'user0*') -and -not (CustomAttribute1 -eq \"Sales\")}")
            .expect("parses");
        assert!(f.matches(&obj(
            json!({"Name": "user01", "CustomAttribute1": "Finance"})
        )));
        assert!(!f.matches(&obj(json!({"Name": "user01", "CustomAttribute1": "sales"}))));
        assert!(!f.matches(&obj(
            json!({"Name": "admin", "CustomAttribute1": "Finance"})
        )));
    }

    #[test]
    fn multi_valued_and_address_prefix() {
        let f = Filter::parse("EmailAddresses -eq 'a@b.com'").expect("parses");
        assert!(f.matches(&obj(
            json!({"EmailAddresses": ["SMTP:x@y", "smtp:A@b.com"]})
        )));
        assert!(!f.matches(&obj(json!({"EmailAddresses": ["SMTP:x@y"]}))));
    }

    #[test]
    fn booleans_and_null() {
        let f = Filter::parse("HiddenFromAddressListsEnabled -eq $true").expect("parses");
        assert!(f.matches(&obj(json!({"HiddenFromAddressListsEnabled": true}))));
        let n = Filter::parse("ForwardingSmtpAddress -ne $null").expect("parses");
        assert!(!n.matches(&obj(json!({"ForwardingSmtpAddress": null}))));
        assert!(n.matches(&obj(json!({"ForwardingSmtpAddress": "smtp:a@b"}))));
    }

    #[test]
    fn syntax_errors_are_reported() {
        for bad in [
            "Name -eq",
            "Name 'x'",
            "Name -eq 'x",
            "(Name -eq 'x'",
            "Name -gt 'x'",
            "Name -eq 'x' y",
        ] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcard_positions() {
        assert!(wildcard("user00042", "user*42"));
        assert!(wildcard("abc", "*"));
        assert!(!wildcard("abc", "*d*"));
        assert!(wildcard("abc", "*b*"));
    }
}
