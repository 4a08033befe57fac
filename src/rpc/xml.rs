//! A small XML 1.0 reader with namespaces, for XML-RPC requests: it turns a document into start, text and end
//! events and rejects what Supervisor's parser (expat through ElementTree) rejects.
//!
//! It owns well-formedness: one root element, matching tags, names, quoted attributes without duplicates,
//! the five predefined entities and character references, CDATA, comments, processing instructions, the XML
//! declaration, characters XML allows, line-end normalisation, and namespace prefixes (a tag in a namespace is
//! reported as `{uri}local`, as ElementTree names it, so it never matches an XML-RPC tag). It does not build a
//! tree or know XML-RPC ([`super::decode`] does).
//!
//! Deliberate limits, each answered as a malformed request: a DOCTYPE with an internal subset (expat would read
//! its entity declarations; no XML-RPC client sends one) and nesting deeper than [`MAX_DEPTH`] (which keeps
//! everything downstream free of deep recursion).

/// Deeper documents are refused. XML-RPC requests nest a few levels per value.
pub const MAX_DEPTH: usize = 512;

/// What the reader reports, in document order. Text may come in several pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlEvent {
    /// An element opens; the tag is its local name, or `{uri}local` in a namespace.
    Start(String),
    Text(String),
    End,
}

/// Why a document is not well-formed, with the byte offset (into the line-end-normalised text) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} at byte {position}")]
pub struct XmlError {
    pub position: usize,
    pub reason: &'static str,
}

const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Reads a whole document.
pub fn read_events(document: &str) -> Result<Vec<XmlEvent>, XmlError> {
    // Expat rejects characters outside XML's Char production anywhere in the document.
    if let Some(position) = document.find(|c: char| !is_xml_char(c)) {
        return Err(XmlError {
            position,
            reason: "not well-formed (invalid token)",
        });
    }
    // XML line-end handling: `\r\n` and a lone `\r` become `\n` before parsing (character references still give `\r`).
    let normalised = document.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = Reader {
        text: &normalised,
        position: 0,
        events: Vec::new(),
        open: Vec::new(),
        scopes: Vec::new(),
    };
    reader.document()?;
    Ok(reader.events)
}

/// XML 1.0's `Char`: tab, newline, carriage return, and everything from U+0020 except U+FFFE and U+FFFF (Rust
/// strings hold no surrogates).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{2ff}' | '\u{370}'..='\u{37d}'
        | '\u{37f}'..='\u{1fff}' | '\u{200c}'..='\u{200d}' | '\u{2070}'..='\u{218f}'
        | '\u{2c00}'..='\u{2fef}' | '\u{3001}'..='\u{d7ff}' | '\u{f900}'..='\u{fdcf}'
        | '\u{fdf0}'..='\u{fffd}' | '\u{10000}'..='\u{effff}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{b7}' | '\u{300}'..='\u{36f}' | '\u{203f}'..='\u{2040}')
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// One element's namespace declarations: (prefix, uri), the default namespace under prefix "".
type Scope = Vec<(String, String)>;

struct Reader<'a> {
    text: &'a str,
    position: usize,
    events: Vec<XmlEvent>,
    /// Raw names of the open elements, for matching end tags.
    open: Vec<&'a str>,
    scopes: Vec<Scope>,
}

impl<'a> Reader<'a> {
    fn error<T>(&self, reason: &'static str) -> Result<T, XmlError> {
        Err(XmlError {
            position: self.position,
            reason,
        })
    }

    fn rest(&self) -> &'a str {
        &self.text[self.position..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn starts_with(&self, prefix: &str) -> bool {
        self.rest().starts_with(prefix)
    }

    fn advance(&mut self, n_bytes: usize) {
        self.position += n_bytes;
    }

    fn skip_space(&mut self) -> bool {
        let before = self.position;
        while self.peek().is_some_and(is_space) {
            self.advance(1);
        }
        self.position > before
    }

    fn expect(&mut self, literal: &str, reason: &'static str) -> Result<(), XmlError> {
        if self.starts_with(literal) {
            self.advance(literal.len());
            Ok(())
        } else {
            self.error(reason)
        }
    }

    /// An XML `Name`.
    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, c)) if is_name_start_char(c) => {}
            _ => return self.error("not well-formed (invalid token)"),
        }
        let end = chars
            .find(|(_, c)| !is_name_char(*c))
            .map_or(rest.len(), |(index, _)| index);
        self.advance(end);
        Ok(&rest[..end])
    }

    /// `document ::= prolog element Misc*`.
    fn document(&mut self) -> Result<(), XmlError> {
        if self.starts_with("\u{feff}") {
            self.advance('\u{feff}'.len_utf8());
        }
        if self.starts_with("<?xml")
            && self.rest()[5..].starts_with(|c: char| is_space(c) || c == '?')
        {
            self.xml_declaration()?;
        }
        let mut seen_doctype = false;
        loop {
            self.skip_space();
            if self.starts_with("<!--") {
                self.comment()?;
            } else if self.starts_with("<?") {
                self.processing_instruction()?;
            } else if self.starts_with("<!DOCTYPE") && !seen_doctype {
                self.doctype()?;
                seen_doctype = true;
            } else if self.starts_with("<") {
                break;
            } else if self.position == self.text.len() {
                return self.error("no element found");
            } else {
                return self.error("syntax error");
            }
        }
        if self.starts_with("<!") {
            return self.error("syntax error");
        }
        self.element_content()?;
        loop {
            self.skip_space();
            if self.position == self.text.len() {
                return Ok(());
            }
            if self.starts_with("<!--") {
                self.comment()?;
            } else if self.starts_with("<?") {
                self.processing_instruction()?;
            } else {
                return self.error("junk after document element");
            }
        }
    }

    /// `<?xml version=... encoding=... standalone=... ?>`, in that order, version required.
    fn xml_declaration(&mut self) -> Result<(), XmlError> {
        const MALFORMED: &str = "XML declaration not well-formed";
        self.advance("<?xml".len());
        let mut expected = ["version", "encoding", "standalone"].iter();
        let mut seen_version = false;
        loop {
            let had_space = self.skip_space();
            if self.starts_with("?>") {
                self.advance(2);
                return if seen_version {
                    Ok(())
                } else {
                    self.error(MALFORMED)
                };
            }
            if !had_space {
                return self.error(MALFORMED);
            }
            let Ok(name) = self.name() else {
                return self.error(MALFORMED);
            };
            // Pseudo-attributes must come in order; skipping optional ones is fine, version is not optional.
            if !expected.by_ref().any(|candidate| *candidate == name) {
                return self.error(MALFORMED);
            }
            if name != "version" && !seen_version {
                return self.error(MALFORMED);
            }
            seen_version = true;
            self.skip_space();
            self.expect("=", MALFORMED)?;
            self.skip_space();
            let quote = match self.peek() {
                Some(quote @ ('"' | '\'')) => quote,
                _ => return self.error(MALFORMED),
            };
            self.advance(1);
            let Some(length) = self.rest().find(quote) else {
                return self.error(MALFORMED);
            };
            let value = &self.rest()[..length];
            let valid = match name {
                "standalone" => value == "yes" || value == "no",
                "encoding" => {
                    value.starts_with(|c: char| c.is_ascii_alphabetic())
                        && value
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                }
                _ => {
                    !value.is_empty()
                        && value.chars().all(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')
                        })
                }
            };
            if !valid {
                return self.error(MALFORMED);
            }
            self.advance(length + 1);
        }
    }

    /// `<!-- ... -->`; `--` may only appear as part of the closing `-->`.
    fn comment(&mut self) -> Result<(), XmlError> {
        self.advance("<!--".len());
        match self.rest().find("--") {
            Some(at) if self.rest()[at..].starts_with("-->") => {
                self.advance(at + 3);
                Ok(())
            }
            Some(at) => {
                self.advance(at);
                self.error("not well-formed (invalid token)")
            }
            None => self.error("unclosed token"),
        }
    }

    /// `<?target data?>`; the target `xml` (any case) is reserved for the declaration at the very start.
    fn processing_instruction(&mut self) -> Result<(), XmlError> {
        self.advance(2);
        let target = self.name()?;
        if target.eq_ignore_ascii_case("xml") {
            return self.error("XML or text declaration not at start of entity");
        }
        if self.starts_with("?>") {
            self.advance(2);
            return Ok(());
        }
        if !self.skip_space() {
            return self.error("not well-formed (invalid token)");
        }
        match self.rest().find("?>") {
            Some(at) => {
                self.advance(at + 2);
                Ok(())
            }
            None => self.error("unclosed token"),
        }
    }

    /// `<!DOCTYPE name external-id?>`, without an internal subset.
    fn doctype(&mut self) -> Result<(), XmlError> {
        self.advance("<!DOCTYPE".len());
        let mut quote = None;
        for (index, c) in self.rest().char_indices() {
            match (quote, c) {
                (Some(open), c) if c == open => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '[') => {
                    self.advance(index);
                    return self.error("DOCTYPE internal subsets are not supported");
                }
                (None, '>') => {
                    self.advance(index + 1);
                    return Ok(());
                }
                (None, _) => {}
            }
        }
        self.error("unclosed token")
    }

    /// The root element and everything in it, iteratively (depth is bounded by [`MAX_DEPTH`], not the stack).
    fn element_content(&mut self) -> Result<(), XmlError> {
        self.start_tag()?;
        while !self.open.is_empty() {
            if self.starts_with("</") {
                self.end_tag()?;
            } else if self.starts_with("<!--") {
                self.comment()?;
            } else if self.starts_with("<![CDATA[") {
                self.advance("<![CDATA[".len());
                let Some(length) = self.rest().find("]]>") else {
                    return self.error("unclosed CDATA section");
                };
                let data = &self.rest()[..length];
                self.push_text(data.to_string());
                self.advance(length + 3);
            } else if self.starts_with("<?") {
                self.processing_instruction()?;
            } else if self.starts_with("<!") {
                return self.error("not well-formed (invalid token)");
            } else if self.starts_with("<") {
                self.start_tag()?;
            } else if self.starts_with("&") {
                let c = self.reference()?;
                self.push_text(c.to_string());
            } else if self.position == self.text.len() {
                return self.error("no element found");
            } else {
                let rest = self.rest();
                let length = rest.find(['<', '&']).unwrap_or(rest.len());
                let data = &rest[..length];
                if let Some(at) = data.find("]]>") {
                    self.advance(at);
                    return self.error("not well-formed (invalid token)");
                }
                self.push_text(data.to_string());
                self.advance(length);
            }
        }
        Ok(())
    }

    fn push_text(&mut self, data: String) {
        if data.is_empty() {
            return;
        }
        if let Some(XmlEvent::Text(previous)) = self.events.last_mut() {
            previous.push_str(&data);
        } else {
            self.events.push(XmlEvent::Text(data));
        }
    }

    /// `&name;`, `&#n;` or `&#xh;`, giving the character it stands for.
    fn reference(&mut self) -> Result<char, XmlError> {
        let start = self.position;
        self.advance(1);
        let rest = self.rest();
        let Some(length) = rest.find(';') else {
            return self.error("not well-formed (invalid token)");
        };
        let body = &rest[..length];
        let c = if let Some(digits) = body.strip_prefix("#x") {
            if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return self.error("not well-formed (invalid token)");
            }
            u32::from_str_radix(digits, 16).ok()
        } else if let Some(digits) = body.strip_prefix('#') {
            if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return self.error("not well-formed (invalid token)");
            }
            digits.parse::<u32>().ok()
        } else {
            let named = match body {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    if self.name().map(|name| name.len()) != Ok(length) {
                        return self.error("not well-formed (invalid token)");
                    }
                    self.position = start;
                    return self.error("undefined entity");
                }
            };
            self.advance(length + 1);
            return Ok(named);
        };
        match c.and_then(char::from_u32).filter(|c| is_xml_char(*c)) {
            Some(c) => {
                self.advance(length + 1);
                Ok(c)
            }
            None => {
                self.position = start;
                self.error("reference to invalid character number")
            }
        }
    }

    /// `<name attributes>` or `<name attributes/>`.
    fn start_tag(&mut self) -> Result<(), XmlError> {
        self.advance(1);
        let raw_name = self.name()?;
        let mut attributes: Vec<(&'a str, String)> = Vec::new();
        let self_closing = loop {
            let had_space = self.skip_space();
            if self.starts_with("/>") {
                self.advance(2);
                break true;
            }
            if self.starts_with(">") {
                self.advance(1);
                break false;
            }
            if !had_space {
                return self.error("not well-formed (invalid token)");
            }
            let attribute_start = self.position;
            let attribute = self.name()?;
            self.skip_space();
            self.expect("=", "not well-formed (invalid token)")?;
            self.skip_space();
            let value = self.attribute_value()?;
            if attributes.iter().any(|(name, _)| *name == attribute) {
                self.position = attribute_start;
                return self.error("duplicate attribute");
            }
            attributes.push((attribute, value));
        };
        if self.open.len() >= MAX_DEPTH {
            return self.error("elements nested too deeply");
        }
        let mut scope = Scope::new();
        for (attribute, value) in &attributes {
            if *attribute == "xmlns" {
                scope.push((String::new(), value.clone()));
            } else if let Some(prefix) = attribute.strip_prefix("xmlns:") {
                if value.is_empty() {
                    return self.error("must not undeclare prefix");
                }
                scope.push((prefix.to_string(), value.clone()));
            }
        }
        self.scopes.push(scope);
        let tag = self.expand(raw_name, true)?;
        let mut expanded_attributes = Vec::new();
        for (attribute, _) in &attributes {
            if *attribute == "xmlns" || attribute.starts_with("xmlns:") {
                continue;
            }
            let expanded = self.expand(attribute, false)?;
            if expanded_attributes.contains(&expanded) {
                return self.error("duplicate attribute");
            }
            expanded_attributes.push(expanded);
        }
        self.events.push(XmlEvent::Start(tag));
        if self_closing {
            self.scopes.pop();
            self.events.push(XmlEvent::End);
        } else {
            self.open.push(raw_name);
        }
        Ok(())
    }

    /// A quoted attribute value with references resolved; `<` is not allowed in it.
    fn attribute_value(&mut self) -> Result<String, XmlError> {
        let quote = match self.peek() {
            Some(quote @ ('"' | '\'')) => quote,
            _ => return self.error("not well-formed (invalid token)"),
        };
        self.advance(1);
        let mut value = String::new();
        loop {
            match self.peek() {
                None => return self.error("unclosed token"),
                Some(c) if c == quote => {
                    self.advance(1);
                    return Ok(value);
                }
                Some('<') => return self.error("not well-formed (invalid token)"),
                Some('&') => value.push(self.reference()?),
                Some(c) => {
                    // Attribute-value normalisation turns white space into spaces; only xmlns values are used.
                    value.push(if is_space(c) { ' ' } else { c });
                    self.advance(c.len_utf8());
                }
            }
        }
    }

    /// `</name>` closing the innermost open element.
    fn end_tag(&mut self) -> Result<(), XmlError> {
        self.advance(2);
        let name = self.name()?;
        self.skip_space();
        self.expect(">", "not well-formed (invalid token)")?;
        if self.open.last() != Some(&name) {
            return self.error("mismatched tag");
        }
        self.open.pop();
        self.scopes.pop();
        self.events.push(XmlEvent::End);
        Ok(())
    }

    /// A qualified name as ElementTree reports it: `local` or `{uri}local`. Elements take the default namespace,
    /// attributes do not.
    fn expand(&self, qualified: &str, is_element: bool) -> Result<String, XmlError> {
        let (prefix, local) = match qualified.split_once(':') {
            Some((prefix, local)) => {
                if prefix.is_empty()
                    || local.is_empty()
                    || local.contains(':')
                    || !local.starts_with(is_name_start_char)
                {
                    return self.error("not well-formed (invalid token)");
                }
                (prefix, local)
            }
            None => ("", qualified),
        };
        if prefix.is_empty() && !is_element {
            return Ok(local.to_string());
        }
        let uri = if prefix == "xml" {
            Some(XML_NAMESPACE.to_string())
        } else {
            self.scopes
                .iter()
                .rev()
                .flat_map(|scope| scope.iter().rev())
                .find(|(declared, _)| declared == prefix)
                .map(|(_, uri)| uri.clone())
        };
        match uri {
            Some(uri) if !uri.is_empty() => Ok(format!("{{{uri}}}{local}")),
            Some(_) => Ok(local.to_string()),
            None if prefix.is_empty() => Ok(local.to_string()),
            None => self.error("unbound prefix"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the reader gives, compact: `<tag` for a start, `>` for an end, text in quotes; or the error reason.
    fn render(document: &str) -> String {
        match read_events(document) {
            Ok(events) => events
                .iter()
                .map(|event| match event {
                    XmlEvent::Start(tag) => format!("<{tag}"),
                    XmlEvent::Text(text) => format!("{text:?}"),
                    XmlEvent::End => ">".to_string(),
                })
                .collect::<Vec<_>>()
                .join(" "),
            Err(error) => format!("ERR {}", error.reason),
        }
    }

    fn check(cases: &[(&str, &str)]) {
        for (document, expected) in cases {
            assert_eq!(render(document), *expected, "document {document:?}");
        }
    }

    #[test]
    fn events() {
        check(&[
            ("<a/>", "<a >"),
            ("<a>x<b>y</b>z</a>", r#"<a "x" <b "y" > "z" >"#),
            (
                "<a>1&amp;&lt;&gt;&quot;&apos;&#65;&#x42;2</a>",
                r#"<a "1&<>\"'AB2" >"#,
            ),
            ("<a><![CDATA[<x>&]]></a>", r#"<a "<x>&" >"#),
            ("<a>p<!-- c -->q<?pi x?>r</a>", r#"<a "pqr" >"#),
            ("<a>1\r\n2\r3</a>", r#"<a "1\n2\n3" >"#),
            ("<a>&#13;</a>", r#"<a "\r" >"#),
            ("<a><![CDATA[]]></a>", "<a >"),
            ("\u{feff}<a/>", "<a >"),
            ("<a\n\tb\n=\n'1'\n></a\n>", "<a >"),
            ("<a x='>&amp;&#60;'/>", "<a >"),
            ("<c.d-e_f/>", "<c.d-e_f >"),
            ("<é/>", "<é >"),
            (
                "<a>\u{7f}\u{85}\u{2028}</a>",
                "<a \"\\u{7f}\\u{85}\\u{2028}\" >",
            ),
            ("<a>]]</a>", r#"<a "]]" >"#),
        ]);
    }

    /// Each outcome was checked against Python 3.11's ElementTree (expat) on the same document.
    #[test]
    fn prolog_and_epilog() {
        check(&[
            (
                "<?xml version='1.0'?>\n<!-- x --><?pi y?>\n<a/>\n<!-- z -->\n",
                "<a >",
            ),
            ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?><a/>", "<a >"),
            ("<?xml version='2.0'?><a/>", "<a >"),
            (
                "<?xml version='1.0' encoding='latin-1'?><a>é</a>",
                r#"<a "é" >"#,
            ),
            ("<?xml-stylesheet x?><a/>", "<a >"),
            ("<!DOCTYPE a><a/>", "<a >"),
            ("<!DOCTYPE a SYSTEM 'http://x/y.dtd'><a/>", "<a >"),
            (
                " <?xml version='1.0'?><a/>",
                "ERR XML or text declaration not at start of entity",
            ),
            (
                "<?XML version='1.0'?><a/>",
                "ERR XML or text declaration not at start of entity",
            ),
            ("<?xml?><a/>", "ERR XML declaration not well-formed"),
            (
                "<?xml encoding='utf-8'?><a/>",
                "ERR XML declaration not well-formed",
            ),
            (
                "<?xml version='1.0' standalone='yes' encoding='x'?><a/>",
                "ERR XML declaration not well-formed",
            ),
            (
                "<a/><?xml version='1.0'?>",
                "ERR XML or text declaration not at start of entity",
            ),
            ("<a/><b/>", "ERR junk after document element"),
            ("<a/>junk", "ERR junk after document element"),
            ("x<a/>", "ERR syntax error"),
            ("<![CDATA[x]]><a/>", "ERR syntax error"),
            ("", "ERR no element found"),
            ("   ", "ERR no element found"),
            ("<!-- only -->", "ERR no element found"),
            ("<a>", "ERR no element found"),
            ("\u{feff}\u{feff}<a/>", "ERR syntax error"),
            (
                "<!DOCTYPE a [<!ENTITY e 'hi'>]><a>&e;</a>",
                "ERR DOCTYPE internal subsets are not supported",
            ),
        ]);
    }

    #[test]
    fn malformed_content() {
        check(&[
            (
                "<a><!-- x -- y --></a>",
                "ERR not well-formed (invalid token)",
            ),
            ("<a><!-- x ---></a>", "ERR not well-formed (invalid token)"),
            ("<a><!---></a>", "ERR unclosed token"),
            ("<a><!----></a>", "<a >"),
            ("<a>]]></a>", "ERR not well-formed (invalid token)"),
            ("<a>&</a>", "ERR not well-formed (invalid token)"),
            ("<a>&#X41;</a>", "ERR not well-formed (invalid token)"),
            (
                "<a>&#xD800;</a>",
                "ERR reference to invalid character number",
            ),
            (
                "<a>&#1114112;</a>",
                "ERR reference to invalid character number",
            ),
            ("<a>&#0;</a>", "ERR reference to invalid character number"),
            ("<a>&#x1b;</a>", "ERR reference to invalid character number"),
            ("<a>&#x10FFFF;</a>", "<a \"\\u{10ffff}\" >"),
            ("<a>&foo;</a>", "ERR undefined entity"),
            ("<a>\u{1b}</a>", "ERR not well-formed (invalid token)"),
            ("<a>\u{fffe}</a>", "ERR not well-formed (invalid token)"),
            ("<a x='\u{1}'/>", "ERR not well-formed (invalid token)"),
            ("<a x='<'/>", "ERR not well-formed (invalid token)"),
            ("<a x='1'y='2'/>", "ERR not well-formed (invalid token)"),
            ("<a x='1' x='2'/>", "ERR duplicate attribute"),
            ("<a x/>", "ERR not well-formed (invalid token)"),
            ("<a x=1/>", "ERR not well-formed (invalid token)"),
            ("< a/>", "ERR not well-formed (invalid token)"),
            ("<a/ >", "ERR not well-formed (invalid token)"),
            ("<1a/>", "ERR not well-formed (invalid token)"),
            ("<a></b>", "ERR mismatched tag"),
            ("<a><!DOCTYPE x></a>", "ERR not well-formed (invalid token)"),
            ("<a><? pi?></a>", "ERR not well-formed (invalid token)"),
            ("<a><?pi?></a>", "<a >"),
        ]);
    }

    #[test]
    fn namespaces() {
        check(&[
            ("<x:a/>", "ERR unbound prefix"),
            ("<a x:b='1'/>", "ERR unbound prefix"),
            ("<a xmlns='u'><b/></a>", "<{u}a <{u}b > >"),
            ("<a xmlns='u'><b xmlns=''/></a>", "<{u}a <b > >"),
            ("<a xmlns:p='u'><p:b/><b/></a>", "<a <{u}b > <b > >"),
            ("<a xmlns:p=''/>", "ERR must not undeclare prefix"),
            ("<a xml:lang='en'/>", "<a >"),
            ("<a:/>", "ERR not well-formed (invalid token)"),
            ("<:a/>", "ERR not well-formed (invalid token)"),
            (
                "<a:b:c xmlns:a='u'/>",
                "ERR not well-formed (invalid token)",
            ),
            (
                "<a xmlns:p='u' xmlns:q='u' p:x='1' q:x='2'/>",
                "ERR duplicate attribute",
            ),
        ]);
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(render(&deep), "ERR elements nested too deeply");
        let fine = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(read_events(&fine).is_ok());
    }
}
