//! SCIM filter and PATCH path parsing (RFC 7644 §3.4.2.2 and §3.5.2).
//!
//! Input is parsed once into [`Filter`] / [`PatchPath`]; everything downstream
//! (SQL translation, in-memory matching for PATCH) works on the AST.

use serde_json::Number;

/// Longest filter or PATCH path accepted. IdPs send short filters
/// (`userName eq "..."`); the cap bounds parse time and AST size.
pub const MAX_FILTER_LEN: usize = 4096;

/// Deepest nesting of parentheses/brackets, and deepest AST, accepted.
/// The parser and every consumer of the AST recurse, so an attacker-controlled
/// `((((...` must be rejected before it can exhaust the stack.
pub const MAX_FILTER_DEPTH: usize = 64;

/// `[schema URN ":"] attr ["." subAttr]` (RFC 7644 §3.4.2.2 `attrPath`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// Schema URN without the trailing colon, e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub schema: Option<String>,
    pub attr: String,
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// A path without schema or sub-attribute.
    pub fn attr(attr: &str) -> Self {
        AttrPath {
            schema: None,
            attr: attr.to_string(),
            sub_attr: None,
        }
    }

    /// A path `attr.sub_attr`.
    pub fn sub(attr: &str, sub_attr: &str) -> Self {
        AttrPath {
            schema: None,
            attr: attr.to_string(),
            sub_attr: Some(sub_attr.to_string()),
        }
    }

    /// The same path with a schema URN prefix.
    pub fn in_schema(mut self, schema: &str) -> Self {
        self.schema = Some(schema.to_string());
        self
    }

    /// True when this path names `attr[.sub_attr]`, ignoring the schema
    /// prefix and ASCII case (RFC 7643 §2.1: attribute names are
    /// case-insensitive).
    pub fn names(&self, attr: &str, sub_attr: Option<&str>) -> bool {
        self.attr.eq_ignore_ascii_case(attr)
            && match (self.sub_attr.as_deref(), sub_attr) {
                (None, None) => true,
                (Some(have), Some(want)) => have.eq_ignore_ascii_case(want),
                _ => false,
            }
    }
}

impl std::fmt::Display for AttrPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}:")?;
        }
        write!(f, "{}", self.attr)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// RFC 7644 §3.4.2.2: "Attribute names and attribute operators used in
    /// filters are case insensitive."
    fn from_keyword(word: &str) -> Option<Self> {
        let op = match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        };
        Some(op)
    }

    pub fn keyword(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }
}

/// `compValue = false / null / true / number / string` (RFC 7644 §3.4.2.2,
/// tokens as in RFC 7159).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompValue {
    Bool(bool),
    Null,
    Number(Number),
    String(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `emails[type eq "work"]`: `filter` applies to each value of `path`,
    /// and its attribute paths are relative to that value.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// The target of a PATCH operation (RFC 7644 §3.5.2 `PATH = attrPath / valuePath [subAttr]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchPath {
    /// `userName`, `name.givenName`, `urn:...:User:department`.
    Attribute(AttrPath),
    /// `members[value eq "id"]`, `emails[type eq "work"].value`.
    Filtered {
        path: AttrPath,
        filter: Filter,
        sub_attr: Option<String>,
    },
}

/// A filter or path that does not parse. Maps to SCIM `scimType` "invalidFilter"
/// (or "invalidPath" when it came from a PATCH path; see `patch.rs`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter at byte {position}: {message}")]
pub struct FilterError {
    /// Byte offset into the input where parsing failed.
    pub position: usize,
    pub message: String,
}

impl FilterError {
    /// RFC 7644 §3.12 error type for a bad filter.
    pub fn scim_type(&self) -> &'static str {
        "invalidFilter"
    }
}

/// Parses a `filter` query parameter (already URL-decoded).
///
/// Errors with the byte position of the first problem; never panics.
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    check_bounds(input)?;
    let filter = scim_filter::filter(input).map_err(from_peg)?;
    check_depth(&filter)?;
    Ok(filter)
}

/// Parses a PATCH operation's `path` (RFC 7644 §3.5.2).
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    check_bounds(input)?;
    let path = scim_filter::patch_path(input).map_err(from_peg)?;
    if let PatchPath::Filtered { filter, .. } = &path {
        check_depth(filter)?;
    }
    Ok(path)
}

fn from_peg(e: peg::error::ParseError<peg::str::LineCol>) -> FilterError {
    FilterError {
        position: e.location.offset,
        message: format!("expected {}", e.expected),
    }
}

/// Rejects over-long input and over-deep nesting before the recursive parser
/// sees it. Brackets inside string literals do not count.
fn check_bounds(input: &str) -> Result<(), FilterError> {
    if input.len() > MAX_FILTER_LEN {
        return Err(FilterError {
            position: MAX_FILTER_LEN,
            message: format!("longer than {MAX_FILTER_LEN} bytes"),
        });
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (position, c) in input.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' => {
                depth += 1;
                if depth > MAX_FILTER_DEPTH {
                    return Err(FilterError {
                        position,
                        message: format!("nested deeper than {MAX_FILTER_DEPTH}"),
                    });
                }
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Long `a or b or c ...` chains build a deep left-leaning tree even without
/// brackets; bound it for the recursive consumers (SQL translation, matching).
fn check_depth(filter: &Filter) -> Result<(), FilterError> {
    let mut stack = vec![(filter, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_FILTER_DEPTH {
            return Err(FilterError {
                position: 0,
                message: format!("more than {MAX_FILTER_DEPTH} nested expressions"),
            });
        }
        match node {
            Filter::And(a, b) | Filter::Or(a, b) => {
                stack.push((a, depth + 1));
                stack.push((b, depth + 1));
            }
            Filter::Not(inner) | Filter::ValuePath { filter: inner, .. } => stack.push((inner, depth + 1)),
            Filter::Compare { .. } | Filter::Present(_) => {}
        }
    }
    Ok(())
}

peg::parser! {
    grammar scim_filter() for str {
        // RFC 7644 writes a single SP between tokens; IdPs and humans send
        // tabs, doubled spaces and `+`-decoded spaces, so any run counts.
        rule _() = quiet!{[' ' | '\t' | '\r' | '\n']*}
        rule __() = quiet!{[' ' | '\t' | '\r' | '\n']+} / expected!("space")

        rule name_char() = ['a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_']

        // ABNF string literals are case-insensitive (RFC 5234 §2.3), so
        // "AND", "Or", "NOT", "PR" are all valid.
        rule keyword(k: &'static str)
            = quiet!{ w:$(['a'..='z' | 'A'..='Z']+) !name_char() {?
                if w.eq_ignore_ascii_case(k) { Ok(()) } else { Err(k) }
            } }
            / expected!(k)

        pub rule filter() -> Filter = _ f:expr() _ { f }

        // Precedence (RFC 7644 §3.4.2.2, Table 4): not > and > or. `not` only
        // ever applies to a parenthesised filter, so it is an atom here.
        rule expr() -> Filter = precedence!{
            a:(@) __ keyword("or") __ b:@ { Filter::Or(Box::new(a), Box::new(b)) }
            --
            a:(@) __ keyword("and") __ b:@ { Filter::And(Box::new(a), Box::new(b)) }
            --
            keyword("not") _ "(" _ f:expr() _ ")" { Filter::Not(Box::new(f)) }
            "(" _ f:expr() _ ")" { f }
            v:value_path_filter() { v }
            a:attr_exp() { a }
        }

        // valFilter: like FILTER but without a nested valuePath.
        rule val_expr() -> Filter = precedence!{
            a:(@) __ keyword("or") __ b:@ { Filter::Or(Box::new(a), Box::new(b)) }
            --
            a:(@) __ keyword("and") __ b:@ { Filter::And(Box::new(a), Box::new(b)) }
            --
            keyword("not") _ "(" _ f:val_expr() _ ")" { Filter::Not(Box::new(f)) }
            "(" _ f:val_expr() _ ")" { f }
            a:attr_exp() { a }
        }

        rule value_path_filter() -> Filter
            = path:attr_path() "[" _ inner:val_expr() _ "]" tail:value_path_tail()? {
                let filter = match tail {
                    // Entra ID matches users with `emails[type eq "work"].value eq "x"`,
                    // which RFC 7644's FILTER grammar does not allow. It means
                    // "some value with type work has value x", i.e. the tail
                    // joins the bracket filter on the same value.
                    Some(tail) => Filter::And(Box::new(inner), Box::new(tail)),
                    None => inner,
                };
                Filter::ValuePath { path, filter: Box::new(filter) }
            }

        rule value_path_tail() -> Filter
            = "." sub:attr_name() __ e:relative_attr_exp(sub) { e }

        rule relative_attr_exp(sub: String) -> Filter
            = keyword("pr") { Filter::Present(AttrPath { schema: None, attr: sub.clone(), sub_attr: None }) }
            / op:compare_op() __ value:comp_value() {
                Filter::Compare { path: AttrPath { schema: None, attr: sub.clone(), sub_attr: None }, op, value }
            }

        rule attr_exp() -> Filter
            = path:attr_path() __ e:attr_exp_rest(path) { e }

        rule attr_exp_rest(path: AttrPath) -> Filter
            = keyword("pr") { Filter::Present(path.clone()) }
            / op:compare_op() __ value:comp_value() { Filter::Compare { path: path.clone(), op, value } }

        rule compare_op() -> CompareOp
            = quiet!{ w:$(['a'..='z' | 'A'..='Z']+) !name_char() {?
                CompareOp::from_keyword(w).ok_or("")
            } }
            / expected!("comparison operator (eq ne co sw ew gt ge lt le)")

        rule comp_value() -> CompValue
            = "false" !name_char() { CompValue::Bool(false) }
            / "true" !name_char() { CompValue::Bool(true) }
            / "null" !name_char() { CompValue::Null }
            / n:number() { CompValue::Number(n) }
            / s:string() { CompValue::String(s) }
            / expected!("value (string, number, true, false or null)")

        rule number() -> Number
            = n:$("-"? ("0" / ['1'..='9'] ['0'..='9']*) ("." ['0'..='9']+)? (['e' | 'E'] ['+' | '-']? ['0'..='9']+)?)
              !(name_char() / ".") {?
                // serde_json rejects out-of-range exponents such as 1e999.
                serde_json::from_str::<Number>(n).map_err(|_| "number in range")
            }

        // JSON string (RFC 7159 §7); serde_json decodes the escapes and
        // rejects bad ones (`\x`, lone surrogates).
        rule string() -> String
            = s:$("\"" string_char()* (quiet!{"\""} / expected!("closing quote"))) {?
                serde_json::from_str::<String>(s).map_err(|_| "valid JSON string escape")
            }

        rule string_char() = quiet!{("\\" [_]) / [^ '"' | '\\' | '\u{0}'..='\u{1f}']}

        pub rule attr_path() -> AttrPath
            = schema:schema_prefix()? attr:attr_name() sub_attr:("." s:attr_name() { s })? {
                AttrPath { schema, attr, sub_attr }
            }

        // The URN ends at the last ':' before the attribute name; its own
        // segments may contain '.', as in `...:core:2.0:User`.
        rule schema_prefix() -> String
            = s:$(['u' | 'U'] ['r' | 'R'] ['n' | 'N'] ":" (urn_segment() ":")+) {
                s.trim_end_matches(':').to_string()
            }

        rule urn_segment() = ['a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '+' | '%']+

        // ATTRNAME = ALPHA *(nameChar) (RFC 7644 §3.4.2.2); `$ref` is the one
        // sub-attribute name RFC 7643 §2.4 defines outside that rule.
        rule attr_name() -> String
            = quiet!{ s:$(['a'..='z' | 'A'..='Z'] name_char()*) { s.to_string() } }
            / quiet!{ "$ref" { "$ref".to_string() } }
            / expected!("attribute name")

        pub rule patch_path() -> PatchPath
            = _ path:attr_path() "[" _ filter:val_expr() _ "]" sub_attr:("." s:attr_name() { s })? _ {
                PatchPath::Filtered { path, filter, sub_attr }
            }
            / _ path:attr_path() _ { PatchPath::Attribute(path) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> CompValue {
        CompValue::String(v.to_string())
    }
    fn n(v: &str) -> CompValue {
        CompValue::Number(serde_json::from_str(v).unwrap())
    }
    fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare { path, op, value }
    }
    fn eq(attr: &str, value: CompValue) -> Filter {
        cmp(AttrPath::attr(attr), CompareOp::Eq, value)
    }
    fn pr(attr: &str) -> Filter {
        Filter::Present(AttrPath::attr(attr))
    }
    fn and(a: Filter, b: Filter) -> Filter {
        Filter::And(Box::new(a), Box::new(b))
    }
    fn or(a: Filter, b: Filter) -> Filter {
        Filter::Or(Box::new(a), Box::new(b))
    }
    fn not(a: Filter) -> Filter {
        Filter::Not(Box::new(a))
    }
    fn vp(attr: &str, inner: Filter) -> Filter {
        Filter::ValuePath {
            path: AttrPath::attr(attr),
            filter: Box::new(inner),
        }
    }

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn parses_well_formed_filters() {
        let cases: Vec<(&str, Filter)> = vec![
            ("userName eq \"bjensen\"", eq("userName", s("bjensen"))),
            // precedence: and binds tighter than or
            (
                "a eq 1 or b eq 2 and c eq 3",
                or(eq("a", n("1")), and(eq("b", n("2")), eq("c", n("3")))),
            ),
            (
                "a eq 1 and b eq 2 or c eq 3",
                or(and(eq("a", n("1")), eq("b", n("2"))), eq("c", n("3"))),
            ),
            // left associativity
            ("a pr or b pr or c pr", or(or(pr("a"), pr("b")), pr("c"))),
            ("a pr and b pr and c pr", and(and(pr("a"), pr("b")), pr("c"))),
            // parentheses override precedence
            (
                "(a eq 1 or b eq 2) and c eq 3",
                and(or(eq("a", n("1")), eq("b", n("2"))), eq("c", n("3"))),
            ),
            ("((a pr))", pr("a")),
            ("a pr and ((b pr or (c pr)))", and(pr("a"), or(pr("b"), pr("c")))),
            // not, with and without the space, and binding tighter than and/or
            ("not (a pr)", not(pr("a"))),
            ("not(a pr)", not(pr("a"))),
            ("NOT ( a pr )", not(pr("a"))),
            (
                "a pr and not (b pr or c pr) or d pr",
                or(and(pr("a"), not(or(pr("b"), pr("c")))), pr("d")),
            ),
            ("not (not (a pr))", not(not(pr("a")))),
            // keywords and operators are case-insensitive
            ("userName EQ \"x\"", eq("userName", s("x"))),
            ("a Pr AnD b PR oR c pR", or(and(pr("a"), pr("b")), pr("c"))),
            // an attribute whose name starts like a keyword
            ("notes pr", pr("notes")),
            ("order pr or android pr", or(pr("order"), pr("android"))),
            // every operator
            ("title ne \"x\"", cmp(AttrPath::attr("title"), CompareOp::Ne, s("x"))),
            ("title co \"x\"", cmp(AttrPath::attr("title"), CompareOp::Co, s("x"))),
            ("title sw \"x\"", cmp(AttrPath::attr("title"), CompareOp::Sw, s("x"))),
            ("title ew \"x\"", cmp(AttrPath::attr("title"), CompareOp::Ew, s("x"))),
            ("n gt 1", cmp(AttrPath::attr("n"), CompareOp::Gt, n("1"))),
            ("n ge -1.5", cmp(AttrPath::attr("n"), CompareOp::Ge, n("-1.5"))),
            ("n lt 2e3", cmp(AttrPath::attr("n"), CompareOp::Lt, n("2e3"))),
            ("n le 0", cmp(AttrPath::attr("n"), CompareOp::Le, n("0"))),
            ("title pr", pr("title")),
            // literals
            ("active eq true", eq("active", CompValue::Bool(true))),
            ("active eq false", eq("active", CompValue::Bool(false))),
            ("manager eq null", eq("manager", CompValue::Null)),
            ("x eq 1.25E-2", eq("x", n("1.25E-2"))),
            // JSON string escapes
            (r#"a eq "q\"uote""#, eq("a", s("q\"uote"))),
            (r#"a eq "back\\slash""#, eq("a", s("back\\slash"))),
            (r#"a eq "\u00e9t\u00E9""#, eq("a", s("été"))),
            (r#"a eq "\ud83d\ude00""#, eq("a", s("😀"))),
            (r#"a eq "tab\tnl\n\/""#, eq("a", s("tab\tnl\n/"))),
            (r#"a eq "(not) [a] and or""#, eq("a", s("(not) [a] and or"))),
            (r#"a eq """#, eq("a", s(""))),
            // sub-attributes and schema URNs
            (
                "name.familyName co \"O'Malley\"",
                cmp(AttrPath::sub("name", "familyName"), CompareOp::Co, s("O'Malley")),
            ),
            (
                "emails.value ew \"@example.com\"",
                cmp(AttrPath::sub("emails", "value"), CompareOp::Ew, s("@example.com")),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
                cmp(AttrPath::attr("userName").in_schema(USER), CompareOp::Sw, s("J")),
            ),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName pr",
                Filter::Present(AttrPath::sub("name", "familyName").in_schema(USER)),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
                cmp(
                    AttrPath::attr("employeeNumber").in_schema(ENTERPRISE),
                    CompareOp::Eq,
                    s("701984"),
                ),
            ),
            (
                "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
                cmp(
                    AttrPath::sub("meta", "lastModified"),
                    CompareOp::Gt,
                    s("2011-05-13T04:42:34Z"),
                ),
            ),
            // value paths
            (
                "emails[type eq \"work\" and value co \"@x.com\"]",
                vp(
                    "emails",
                    and(
                        eq("type", s("work")),
                        cmp(AttrPath::attr("value"), CompareOp::Co, s("@x.com")),
                    ),
                ),
            ),
            (
                "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]",
                and(
                    eq("userType", s("Employee")),
                    vp(
                        "emails",
                        and(
                            eq("type", s("work")),
                            cmp(AttrPath::attr("value"), CompareOp::Co, s("@example.com")),
                        ),
                    ),
                ),
            ),
            (
                "emails[not (type eq \"home\")]",
                vp("emails", not(eq("type", s("home")))),
            ),
            ("members[value eq \"abc\"]", vp("members", eq("value", s("abc")))),
            // Entra ID's `attr[filter].sub op value` form
            (
                "emails[type eq \"work\"].value eq \"a@b.c\"",
                vp("emails", and(eq("type", s("work")), eq("value", s("a@b.c")))),
            ),
            (
                "emails[type eq \"work\"].value pr",
                vp("emails", and(eq("type", s("work")), pr("value"))),
            ),
            // whitespace tolerance
            ("  a pr  ", pr("a")),
            ("a\teq\t\"x\"", eq("a", s("x"))),
            ("emails[ type eq \"work\" ]", vp("emails", eq("type", s("work")))),
            ("members.$ref pr", Filter::Present(AttrPath::sub("members", "$ref"))),
        ];
        for (input, want) in cases {
            assert_eq!(parse_filter(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_malformed_filters_without_panicking() {
        let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
        let long_chain = vec!["a pr"; 200].join(" or ");
        let too_long = format!("a eq \"{}\"", "x".repeat(MAX_FILTER_LEN));
        let cases: Vec<(&str, usize)> = vec![
            ("", 0),
            ("   ", 3),
            ("userName eq \"unterminated", 25),
            ("userName xx \"x\"", 9),
            ("userName eq", 11),
            ("userName", 8),
            ("userName eq \"x\" and", 19),
            ("userName eq \"x\" and ", 20),
            ("and userName eq \"x\"", 4),
            ("a pr or", 7),
            ("emails[type eq \"work\"", 21),
            ("emails[]", 7),
            ("emails[type eq \"work\"]]", 22),
            ("a eq 01", 6),
            ("a eq 1.", 7),
            ("a eq 1e", 7),
            ("a eq -", 6),
            ("a eq 1e999", 10),
            ("a eq 12abc", 7),
            ("a eq True", 5),
            ("a eq bare", 5),
            ("a eq \"bad\\x\"", 12),
            ("a eq \"\\ud800\"", 13),
            ("(a pr", 5),
            ("a pr)", 4),
            ("not a pr", 4),
            ("a eq \"x\" b eq \"y\"", 9),
            ("1abc pr", 0),
            ("a..b pr", 2),
            ("a.b.c pr", 3),
            ("emails[members[value eq \"x\"]]", 14),
            ("a eq \"x\"and b pr", 8),
            ("a pr andnot (b pr)", 5),
            ("urn:ietf:params:scim:schemas:core:2.0:User: pr", 43),
            ("a eq \"ctl\u{1}\"", 9),
            (&deep, 64),
            (&long_chain, 0),
            (&too_long, MAX_FILTER_LEN),
        ];
        for (input, position) in cases {
            let err = parse_filter(input).expect_err(input);
            assert_eq!(err.position, position, "{input}: {err}");
            assert_eq!(err.scim_type(), "invalidFilter");
        }
    }

    #[test]
    fn every_prefix_of_a_filter_parses_or_errors() {
        for input in [
            r#"userType eq "Employee" and not (emails[type eq "work" and value co "@x.com"] or title pr)"#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName sw "O\u0027M" or n ge -1.5e3"#,
            r#"emails[type eq "work"].value eq "a@b.c" and meta.lastModified gt "2011-05-13T04:42:34Z""#,
        ] {
            for (end, _) in input.char_indices() {
                let _ = parse_filter(&input[..end]);
                let _ = parse_patch_path(&input[..end]);
            }
            assert!(parse_filter(input).is_ok(), "{input}");
        }
    }

    #[test]
    fn error_message_names_what_was_expected() {
        let err = parse_filter("userName xx \"x\"").unwrap_err();
        assert!(err.message.contains("comparison operator"), "{}", err.message);
        let err = parse_filter("userName eq \"open").unwrap_err();
        assert!(err.message.contains("closing quote"), "{}", err.message);
    }

    #[test]
    fn parses_patch_paths() {
        let cases: Vec<(&str, PatchPath)> = vec![
            ("active", PatchPath::Attribute(AttrPath::attr("active"))),
            (
                "name.givenName",
                PatchPath::Attribute(AttrPath::sub("name", "givenName")),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                PatchPath::Attribute(AttrPath::attr("manager").in_schema(ENTERPRISE)),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
                PatchPath::Attribute(AttrPath::sub("manager", "value").in_schema(ENTERPRISE)),
            ),
            (
                "members[value eq \"2819c223\"]",
                PatchPath::Filtered {
                    path: AttrPath::attr("members"),
                    filter: eq("value", s("2819c223")),
                    sub_attr: None,
                },
            ),
            (
                "emails[type eq \"work\"].value",
                PatchPath::Filtered {
                    path: AttrPath::attr("emails"),
                    filter: eq("type", s("work")),
                    sub_attr: Some("value".to_string()),
                },
            ),
            (
                "addresses[type eq \"work\" and primary eq true].streetAddress",
                PatchPath::Filtered {
                    path: AttrPath::attr("addresses"),
                    filter: and(eq("type", s("work")), eq("primary", CompValue::Bool(true))),
                    sub_attr: Some("streetAddress".to_string()),
                },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_patch_path(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_malformed_patch_paths() {
        for input in [
            "",
            "members[",
            "members[value eq \"x\"",
            "members[value eq \"x\"].",
            "emails[type eq \"work\"].value.extra",
            "name.",
            "9lives",
            "a b",
            "emails[type eq \"work\"] junk",
        ] {
            assert!(parse_patch_path(input).is_err(), "{input}");
        }
    }

    #[test]
    fn displays_paths_as_written() {
        for input in [
            "userName",
            "name.givenName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ] {
            let PatchPath::Attribute(path) = parse_patch_path(input).unwrap() else {
                panic!("{input} is not a plain attribute path");
            };
            assert_eq!(path.to_string(), input);
        }
    }
}
