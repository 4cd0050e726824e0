//! Deterministic, realistic mdraft rows. Each row is a pure function of (seed, table, row number),
//! so batches can be generated in any order and two builds with one seed on one day are identical.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::rng::Rng;

/// SQLAlchemy's text format for `DateTime` on SQLite; PostgreSQL reads it as `timestamp`.
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";
const HISTORY_DAYS: i64 = 90;
/// Rows at the very end of each table still in flight (QUEUED / PROCESSING): a handful.
const IN_FLIGHT: u64 = 12;

#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub users: u64,
    pub conversions: u64,
    pub jobs: u64,
    pub proposals: u64,
}

impl Counts {
    /// `rows` conversions; jobs half as many, users a twentieth, proposals a few.
    pub fn for_rows(rows: u64) -> Counts {
        Counts {
            users: (rows / 20).max(20),
            conversions: rows,
            jobs: rows / 2,
            proposals: 25,
        }
    }
}

#[derive(Serialize)]
pub struct User {
    id: u64,
    email: String,
    password_hash: String,
    stripe_customer_id: Option<String>,
    subscription_status: &'static str,
    plan: &'static str,
    last_login_at: Option<String>,
    revoked: bool,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize)]
pub struct Conversion {
    id: String,
    filename: String,
    status: &'static str,
    markdown: Option<String>,
    error: Option<String>,
    created_at: String,
    updated_at: String,
    sha256: String,
    original_mime: &'static str,
    original_size: u64,
    stored_uri: String,
    expires_at: Option<String>,
    user_id: Option<u64>,
    visitor_session_id: Option<String>,
    proposal_id: Option<u64>,
}

#[derive(Serialize)]
pub struct Job {
    id: u64,
    user_id: u64,
    filename: String,
    status: &'static str,
    gcs_uri: String,
    output_uri: Option<String>,
    error_message: Option<String>,
    started_at: Option<String>,
    completed_at: Option<String>,
    created_at: String,
    updated_at: String,
    visitor_session_id: Option<String>,
}

const USERS: u64 = 1;
const CONVERSIONS: u64 = 2;
const JOBS: u64 = 3;

const WORDS: &[&str] = &[
    "proposal",
    "rfp",
    "contract",
    "statement",
    "invoice",
    "report",
    "brief",
    "scope",
    "pricing",
    "appendix",
    "amendment",
    "summary",
    "draft",
    "final",
    "review",
    "plan",
    "memo",
    "notes",
];
const FIRST: &[&str] = &[
    "ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jo",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "agency.gov",
    "corp.example",
    "mail.example.org",
];
const MIMES: &[(&str, &str)] = &[
    ("application/pdf", "pdf"),
    ("application/pdf", "pdf"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    ("text/plain", "txt"),
];

pub struct Generator {
    seed: u64,
    counts: Counts,
    /// Newest moment of the history; rows spread over the 90 days before it.
    anchor: NaiveDateTime,
}

impl Generator {
    pub fn new(seed: u64, counts: Counts, anchor: NaiveDateTime) -> Generator {
        Generator {
            seed,
            counts,
            anchor,
        }
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Rows are in insertion order, so time grows with the row number as in a real table.
    fn created_at(&self, rng: &mut Rng, row: u64, total: u64) -> NaiveDateTime {
        let span = HISTORY_DAYS * 86_400;
        let at = span * row as i64 / total.max(1) as i64;
        let jitter = rng.below(600) as i64;
        self.anchor - Duration::seconds(span) + Duration::seconds(at + jitter)
    }

    /// Most activity comes from a few users: squaring a uniform draw skews towards low ids.
    fn active_user(&self, rng: &mut Rng) -> u64 {
        let u = rng.unit();
        1 + (u * u * self.counts.users as f64) as u64
    }

    fn visitor_session(&self, rng: &mut Rng) -> String {
        // About three uploads per anonymous session.
        let session = rng.below(self.counts.conversions / 3 + 1);
        format!("vs_{}", Rng::for_row(self.seed, 99, session).hex(24))
    }

    pub fn user(&self, id: u64) -> User {
        let mut rng = Rng::for_row(self.seed, USERS, id);
        let created = self.anchor - Duration::seconds(rng.below(365 * 86_400) as i64);
        let paying = rng.unit() < 0.3;
        User {
            id,
            email: format!(
                "{}.{}{id}@{}",
                rng.pick(FIRST),
                rng.pick(WORDS),
                rng.pick(DOMAINS)
            ),
            password_hash: format!("pbkdf2:sha256:600000${}${}", rng.hex(16), rng.hex(64)),
            stripe_customer_id: paying.then(|| format!("cus_{}", rng.hex(14))),
            subscription_status: if paying { "active" } else { "free" },
            plan: if paying {
                rng.pick(&["pro", "team"])
            } else {
                "free"
            },
            last_login_at: (rng.unit() < 0.8)
                .then(|| stamp(self.anchor - Duration::seconds(rng.below(30 * 86_400) as i64))),
            revoked: rng.unit() < 0.01,
            created_at: stamp(created),
            updated_at: stamp(created + Duration::seconds(rng.below(86_400) as i64)),
        }
    }

    pub fn conversion(&self, row: u64) -> Conversion {
        let total = self.counts.conversions;
        let mut rng = Rng::for_row(self.seed, CONVERSIONS, row);
        let created = self.created_at(&mut rng, row, total);
        let status = conversion_status(&mut rng, row, total);
        // 15% are re-uploads of an earlier file: same content, same sha256.
        let content = if row > 0 && rng.unit() < 0.15 {
            rng.below(row)
        } else {
            row
        };
        let sha256 = Rng::for_row(self.seed, 98, content).hex(64);
        let (mime, ext) = rng.pick(MIMES);
        let anonymous = rng.unit() < 0.35;
        Conversion {
            id: uuid(&mut rng),
            filename: format!(
                "{}-{}-{}.{ext}",
                rng.pick(WORDS),
                rng.pick(WORDS),
                content % 997
            ),
            markdown: (status == "COMPLETED").then(|| markdown(&mut rng, row)),
            error: (status == "FAILED").then(|| {
                rng.pick(&[
                    "Conversion failed: document is password protected",
                    "Conversion failed: timeout after 300s",
                    "Conversion failed: unsupported or corrupt file",
                ])
                .to_string()
            }),
            status,
            updated_at: stamp(created + Duration::seconds(5 + rng.below(120) as i64)),
            expires_at: anonymous.then(|| stamp(created + Duration::days(7))),
            stored_uri: format!("gs://mdraft-uploads/{}/{sha256}.{ext}", &sha256[..2]),
            sha256,
            original_mime: mime,
            original_size: 10_000 + (rng.unit().powi(3) * 20_000_000.0) as u64,
            user_id: (!anonymous).then(|| self.active_user(&mut rng)),
            visitor_session_id: anonymous.then(|| self.visitor_session(&mut rng)),
            proposal_id: (rng.unit() < 0.02).then(|| 1 + rng.below(self.counts.proposals)),
            created_at: stamp(created),
        }
    }

    pub fn job(&self, id: u64) -> Job {
        let total = self.counts.jobs;
        let mut rng = Rng::for_row(self.seed, JOBS, id);
        let created = self.created_at(&mut rng, id - 1, total);
        let status = job_status(&mut rng, id - 1, total);
        let started = created + Duration::seconds(1 + rng.below(30) as i64);
        let finished = started + Duration::seconds(2 + rng.below(240) as i64);
        let done = matches!(status, "completed" | "failed" | "cancelled");
        Job {
            id,
            user_id: self.active_user(&mut rng),
            filename: format!("{}-{}.pdf", rng.pick(WORDS), id % 1009),
            gcs_uri: format!("gs://mdraft-jobs/{id}/input.pdf"),
            output_uri: (status == "completed").then(|| format!("gs://mdraft-jobs/{id}/output.md")),
            error_message: (status == "failed")
                .then(|| "worker error: conversion timed out".into()),
            started_at: (status != "pending").then(|| stamp(started)),
            completed_at: done.then(|| stamp(finished)),
            updated_at: stamp(if done { finished } else { created }),
            created_at: stamp(created),
            visitor_session_id: (rng.unit() < 0.15).then(|| self.visitor_session(&mut rng)),
            status,
        }
    }
}

fn stamp(at: NaiveDateTime) -> String {
    at.format(TIME_FORMAT).to_string()
}

fn uuid(rng: &mut Rng) -> String {
    let h = rng.hex(32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Production skew: most COMPLETED, a few percent FAILED, a handful QUEUED/PROCESSING at the end.
fn conversion_status(rng: &mut Rng, row: u64, total: u64) -> &'static str {
    if row + IN_FLIGHT >= total {
        return rng.pick(&["QUEUED", "PROCESSING", "COMPLETED"]);
    }
    match rng.unit() {
        u if u < 0.93 => "COMPLETED",
        u if u < 0.98 => "FAILED",
        _ => "CANCELLED",
    }
}

/// The application writes job statuses in lowercase.
fn job_status(rng: &mut Rng, row: u64, total: u64) -> &'static str {
    if row + IN_FLIGHT >= total {
        return rng.pick(&["pending", "processing", "completed"]);
    }
    match rng.unit() {
        u if u < 0.91 => "completed",
        u if u < 0.97 => "failed",
        _ => "cancelled",
    }
}

fn markdown(rng: &mut Rng, row: u64) -> String {
    format!(
        "# {} {}\n\nSection {} covers the {} and the {} of this {}.\n",
        rng.pick(WORDS),
        row,
        1 + rng.below(12),
        rng.pick(WORDS),
        rng.pick(WORDS),
        rng.pick(WORDS)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator() -> Generator {
        let anchor = NaiveDateTime::parse_from_str("2026-11-01 00:00:00", "%Y-%m-%d %H:%M:%S")
            .expect("a date");
        Generator::new(7, Counts::for_rows(10_000), anchor)
    }

    #[test]
    fn same_seed_same_rows() {
        let a = serde_json::to_string(&generator().conversion(42)).expect("json");
        let b = serde_json::to_string(&generator().conversion(42)).expect("json");
        assert_eq!(a, b);
    }

    #[test]
    fn statuses_are_skewed_like_production() {
        let g = generator();
        let rows: Vec<_> = (0..10_000).map(|r| g.conversion(r)).collect();
        let share = |s: &str| rows.iter().filter(|c| c.status == s).count() as f64 / 10_000.0;
        assert!(share("COMPLETED") > 0.85, "{}", share("COMPLETED"));
        assert!((0.02..0.08).contains(&share("FAILED")));
        let in_flight = rows
            .iter()
            .filter(|c| matches!(c.status, "QUEUED" | "PROCESSING"))
            .count();
        assert!((1..=IN_FLIGHT as usize).contains(&in_flight), "{in_flight}");
        let anonymous = rows.iter().filter(|c| c.user_id.is_none()).count();
        assert!(
            rows.iter()
                .filter(|c| c.user_id.is_none())
                .all(|c| c.visitor_session_id.is_some())
        );
        assert!((2_500..4_500).contains(&anonymous), "{anonymous}");
        let mut shas: Vec<_> = rows.iter().map(|c| c.sha256.as_str()).collect();
        shas.sort();
        shas.dedup();
        assert!(
            shas.len() < 9_500,
            "re-uploads share a sha256: {}",
            shas.len()
        );
    }
}
