//! The three operations of a SCIM PATCH (RFC 7644 §3.5.2), shared by the patch engine and the
//! IdPs' quirks (which spell them in any case) without either importing the other.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Replace,
    Remove,
}
