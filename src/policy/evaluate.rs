//! Policy evaluation, pure: a session's auth facts and an organization's policy in, the
//! verdict out: satisfied, or what the session must still do (ARCHITECTURE.md §5). The same
//! verdict drives sign-in, organization switching and the admin "explain" endpoint.

use chrono::{DateTime, Duration, Utc};

/// The rules of API.md's organization policy that bear on an existing session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPolicy {
    /// `None` allows every method; otherwise e.g. ["password", "sso", "oauth:google"].
    pub allowed_auth_methods: Option<Vec<String>>,
    pub sso_required: bool,
    pub sso_exempt_guests: bool,
    pub mfa_required: bool,
    /// Seconds since the session's first authentication.
    pub max_session_age: Option<i64>,
    /// Seconds since the session was last used.
    pub idle_timeout: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFact {
    /// password | magic_auth | email_verification | totp | recovery_code | sso:<connection id> | oauth:<provider>
    pub method: String,
    pub at: DateTime<Utc>,
}

/// What is known about the session and its user when it asks to enter the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub methods: Vec<AuthFact>,
    pub mfa_at: Option<DateTime<Utc>>,
    pub last_seen_at: DateTime<Utc>,
    /// The user's membership there is `kind=guest`.
    pub is_guest: bool,
    /// The user has a verified MFA factor to be challenged with.
    pub has_mfa_factor: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Sign in through one of these connections of the organization.
    Sso { connection_ids: Vec<String> },
    /// Answer an MFA challenge.
    Mfa,
    /// Enroll an MFA factor first (the user has none).
    MfaEnrollment,
    /// Authenticate again: the last authentication is older than `max_session_age`, or
    /// the session sat idle longer than `idle_timeout`.
    MaxSessionAge,
    /// Authenticate with one of the allowed methods.
    AllowedMethod { allowed: Vec<String> },
}

impl Requirement {
    /// The name used in API.md's `requirements[]`.
    pub fn code(&self) -> &'static str {
        match self {
            Requirement::Sso { .. } => "sso",
            Requirement::Mfa => "mfa",
            Requirement::MfaEnrollment => "mfa_enrollment",
            Requirement::MaxSessionAge => "max_session_age",
            Requirement::AllowedMethod { .. } => "allowed_auth_methods",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheck {
    pub rule: &'static str,
    pub met: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub requirements: Vec<Requirement>,
    pub rules: Vec<RuleCheck>,
}

impl Verdict {
    pub fn satisfied(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// Whether `method` (`sso:<connection id>`) is a sign-in through one of `connection_ids`, the
/// organization's own connections. Another organization's connection never counts as SSO for
/// this one: its IdP can assert anything about addresses it does not own.
pub fn through_connection_of(method: &str, connection_ids: &[String]) -> bool {
    method
        .strip_prefix("sso:")
        .is_some_and(|conn| connection_ids.iter().any(|c| c == conn))
}

fn method_allowed(method: &str, allowed: &[String], sso_connection_ids: &[String]) -> bool {
    allowed
        .iter()
        .any(|a| a == method || (a == "sso" && through_connection_of(method, sso_connection_ids)))
}

/// Evaluates `policy` for a session. `sso_connection_ids` are the organization's active
/// connections: only a sign-in through one of them satisfies `sso_required` or an
/// `allowed_auth_methods` of `sso`.
pub fn evaluate(
    policy: &OrgPolicy,
    facts: &SessionFacts,
    sso_connection_ids: &[String],
    now: DateTime<Utc>,
) -> Verdict {
    let mut requirements = Vec::new();
    let mut rules = Vec::new();
    let primary: Vec<&AuthFact> = facts
        .methods
        .iter()
        .filter(|m| !matches!(m.method.as_str(), "totp" | "recovery_code"))
        .collect();

    if let Some(allowed) = &policy.allowed_auth_methods {
        let met = primary
            .iter()
            .any(|m| method_allowed(&m.method, allowed, sso_connection_ids));
        rules.push(RuleCheck {
            rule: "allowed_auth_methods",
            met,
            detail: format!("allowed: {}", allowed.join(", ")),
        });
        if !met {
            requirements.push(Requirement::AllowedMethod {
                allowed: allowed.clone(),
            });
        }
    }

    if policy.sso_required {
        let exempt = facts.is_guest && policy.sso_exempt_guests;
        let via_org_connection = primary
            .iter()
            .any(|m| through_connection_of(&m.method, sso_connection_ids));
        let met = exempt || via_org_connection;
        let detail = if exempt {
            "guest: exempt".to_owned()
        } else if via_org_connection {
            "signed in through an organization connection".to_owned()
        } else {
            "no sign-in through an organization connection".to_owned()
        };
        rules.push(RuleCheck {
            rule: "sso_required",
            met,
            detail,
        });
        if !met {
            requirements.push(Requirement::Sso {
                connection_ids: sso_connection_ids.to_vec(),
            });
        }
    }

    if policy.mfa_required {
        let met = facts.mfa_at.is_some();
        rules.push(RuleCheck {
            rule: "mfa_required",
            met,
            detail: if met {
                "MFA completed".into()
            } else {
                "no MFA in this session".into()
            },
        });
        if !met {
            requirements.push(if facts.has_mfa_factor {
                Requirement::Mfa
            } else {
                Requirement::MfaEnrollment
            });
        }
    }

    if let Some(max_age) = policy.max_session_age {
        let latest = primary.iter().map(|m| m.at).max();
        let met = latest.is_some_and(|at| now - at < Duration::seconds(max_age));
        rules.push(RuleCheck {
            rule: "max_session_age",
            met,
            detail: format!("at most {max_age} s since authentication"),
        });
        if !met {
            requirements.push(Requirement::MaxSessionAge);
        }
    }

    if let Some(idle) = policy.idle_timeout {
        let met = now - facts.last_seen_at < Duration::seconds(idle);
        rules.push(RuleCheck {
            rule: "idle_timeout",
            met,
            detail: format!("at most {idle} s idle"),
        });
        if !met && !requirements.contains(&Requirement::MaxSessionAge) {
            requirements.push(Requirement::MaxSessionAge);
        }
    }

    Verdict { requirements, rules }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs_ago: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000 - secs_ago, 0).unwrap()
    }

    fn now() -> DateTime<Utc> {
        at(0)
    }

    fn facts(methods: &[(&str, i64)], mfa: bool) -> SessionFacts {
        SessionFacts {
            methods: methods
                .iter()
                .map(|(m, ago)| AuthFact {
                    method: (*m).into(),
                    at: at(*ago),
                })
                .collect(),
            mfa_at: mfa.then(|| at(10)),
            last_seen_at: at(5),
            is_guest: false,
            has_mfa_factor: true,
        }
    }

    fn codes(verdict: &Verdict) -> Vec<&'static str> {
        verdict.requirements.iter().map(Requirement::code).collect()
    }

    #[test]
    fn table() {
        let conns = vec!["conn_A".to_owned()];
        let open = OrgPolicy::default();
        let sso = OrgPolicy {
            sso_required: true,
            sso_exempt_guests: true,
            ..OrgPolicy::default()
        };
        let mfa = OrgPolicy {
            mfa_required: true,
            ..OrgPolicy::default()
        };
        let strict = OrgPolicy {
            sso_required: true,
            mfa_required: true,
            max_session_age: Some(3600),
            ..OrgPolicy::default()
        };
        let only_sso = OrgPolicy {
            allowed_auth_methods: Some(vec!["sso".into()]),
            ..OrgPolicy::default()
        };
        let idle = OrgPolicy {
            idle_timeout: Some(3),
            ..OrgPolicy::default()
        };
        let guest = SessionFacts {
            is_guest: true,
            ..facts(&[("password", 10)], false)
        };
        let no_factor = SessionFacts {
            has_mfa_factor: false,
            ..facts(&[("password", 10)], false)
        };

        let cases: Vec<(&str, &OrgPolicy, SessionFacts, Vec<&str>)> = vec![
            ("open policy", &open, facts(&[("password", 10)], false), vec![]),
            (
                "sso required, password session",
                &sso,
                facts(&[("password", 10)], false),
                vec!["sso"],
            ),
            (
                "sso required, org connection",
                &sso,
                facts(&[("sso:conn_A", 10)], false),
                vec![],
            ),
            (
                "sso required, another org's connection",
                &sso,
                facts(&[("sso:conn_B", 10)], false),
                vec!["sso"],
            ),
            ("sso required, guest exempt", &sso, guest.clone(), vec![]),
            (
                "mfa required, none yet",
                &mfa,
                facts(&[("password", 10)], false),
                vec!["mfa"],
            ),
            ("mfa required, no factor", &mfa, no_factor, vec!["mfa_enrollment"]),
            (
                "mfa required, done",
                &mfa,
                facts(&[("password", 10), ("totp", 10)], true),
                vec![],
            ),
            (
                "strict, password only",
                &strict,
                facts(&[("password", 10)], false),
                vec!["sso", "mfa"],
            ),
            (
                "strict, old sso + mfa",
                &strict,
                facts(&[("sso:conn_A", 7200)], true),
                vec!["max_session_age"],
            ),
            (
                "strict, fresh sso + mfa",
                &strict,
                facts(&[("password", 9000), ("sso:conn_A", 60)], true),
                vec![],
            ),
            (
                "only sso allowed, magic auth",
                &only_sso,
                facts(&[("magic_auth", 10)], false),
                vec!["allowed_auth_methods"],
            ),
            (
                "only sso allowed, the organization's connection",
                &only_sso,
                facts(&[("sso:conn_A", 10)], false),
                vec![],
            ),
            (
                "only sso allowed, another organization's connection",
                &only_sso,
                facts(&[("sso:conn_Z", 10)], false),
                vec!["allowed_auth_methods"],
            ),
            (
                "idle too long",
                &idle,
                facts(&[("password", 10)], false),
                vec!["max_session_age"],
            ),
        ];
        for (name, policy, facts, want) in cases {
            let verdict = evaluate(policy, &facts, &conns, now());
            assert_eq!(codes(&verdict), want, "{name}");
            assert_eq!(verdict.satisfied(), want.is_empty(), "{name}");
            assert_eq!(
                verdict.rules.iter().all(|r| r.met),
                want.is_empty(),
                "{name}: rules agree with requirements"
            );
        }
    }

    #[test]
    fn sso_requirement_names_the_organizations_connections() {
        let policy = OrgPolicy {
            sso_required: true,
            ..OrgPolicy::default()
        };
        let verdict = evaluate(
            &policy,
            &facts(&[("password", 1)], false),
            &["conn_A".into(), "conn_B".into()],
            now(),
        );
        assert_eq!(
            verdict.requirements,
            vec![Requirement::Sso {
                connection_ids: vec!["conn_A".into(), "conn_B".into()]
            }]
        );
    }
}
