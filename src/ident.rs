//! Identifiers as PostgreSQL reads them: unquoted names fold to lower case, quoted names keep
//! their case and may hold anything (`""` is a quote), a dot outside quotes qualifies.

use crate::db::DbError;

/// A possibly schema-qualified name, folded and unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
}

/// `USERS_PKEY` → `users_pkey`; `"Ix Jobs"` → `Ix Jobs`; `app."Orders"` → (`app`, `Orders`).
pub fn parse(text: &str) -> Result<QualifiedName, DbError> {
    let bad = |why: &str| DbError::Usage(format!("{text:?} is not a name: {why}"));
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(bad("a quote is not closed")),
                }
            }
            if part.is_empty() {
                return Err(bad("\"\" is an empty name"));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' || c == '"' || c.is_whitespace() {
                    break;
                }
                // PostgreSQL folds ASCII letters only.
                part.push(c.to_ascii_lowercase());
                chars.next();
            }
            if part.is_empty() {
                return Err(bad("a part of it is empty"));
            }
        }
        parts.push(part);
        match chars.next() {
            None => break,
            Some('.') => continue,
            Some(_) => return Err(bad("quote names with spaces or dots, like \"My Index\"")),
        }
    }
    match parts.len() {
        1 => Ok(QualifiedName {
            schema: None,
            name: parts.remove(0),
        }),
        2 => Ok(QualifiedName {
            name: parts.remove(1),
            schema: Some(parts.remove(0)),
        }),
        _ => Err(bad("give name or schema.name")),
    }
}

/// The name as PostgreSQL's quote_ident prints it: quoted only when it must be (case, spaces,
/// reserved words).
pub fn quote(name: &str) -> String {
    crate::explain::keywords::quote_identifier(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> (Option<String>, String) {
        let q = parse(text).unwrap();
        (q.schema, q.name)
    }

    #[test]
    fn names_fold_unless_quoted() {
        assert_eq!(name("USERS_PKEY"), (None, "users_pkey".into()));
        assert_eq!(
            name("\"Ix Jobs CreatedAt\""),
            (None, "Ix Jobs CreatedAt".into())
        );
        assert_eq!(
            name("App.\"Orders\""),
            (Some("app".into()), "Orders".into())
        );
        assert_eq!(name("\"a\"\"b\".c"), (Some("a\"b".into()), "c".into()));
        assert!(parse("\"open").is_err());
        assert!(parse("a.b.c").is_err());
        assert!(parse("my index").is_err());
    }

    #[test]
    fn quoting_is_only_where_needed() {
        assert_eq!(quote("ix_jobs"), "ix_jobs");
        assert_eq!(quote("Ix Jobs"), "\"Ix Jobs\"");
        assert_eq!(quote("order"), "\"order\"");
    }
}
