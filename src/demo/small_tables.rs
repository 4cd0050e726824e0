//! The other mdraft tables, a few rows each, so the index list looks like the real database.
//! Plain literal SQL that both dialects accept.

use super::rows::Counts;

const CREATED: &str = "'2025-08-01 09:00:00.000000'";

pub fn insert_sql(counts: &Counts) -> String {
    let mut sql = String::new();
    let proposals: Vec<String> = (1..=counts.proposals)
        .map(|id| {
            let user = 1 + id % counts.users.min(10);
            format!(
                "({id}, {user}, 'Proposal {id}', 'RFP response draft {id}', '{}', NULL, {CREATED}, {CREATED})",
                if id % 4 == 0 { "submitted" } else { "draft" }
            )
        })
        .collect();
    sql += &format!(
        "INSERT INTO proposals (id, user_id, name, description, status, visitor_session_id, created_at, updated_at) VALUES {};\n",
        proposals.join(", ")
    );
    let documents: Vec<String> = (1..=counts.proposals * 2)
        .map(|id| {
            let proposal = 1 + id % counts.proposals;
            format!("({id}, {proposal}, 'attachment-{id}.pdf', 'rfp', {CREATED})")
        })
        .collect();
    sql += &format!(
        "INSERT INTO proposal_documents (id, proposal_id, filename, document_type, created_at) VALUES {};\n",
        documents.join(", ")
    );
    let requirements: Vec<String> = (1..=counts.proposals * 3)
        .map(|id| {
            let proposal = 1 + id % counts.proposals;
            format!(
                "({id}, {proposal}, 'R-{id:03}', 'The offeror shall describe item {id}.', 'L.{}', 'open', {CREATED})",
                1 + id % 9
            )
        })
        .collect();
    sql += &format!(
        "INSERT INTO requirements (id, proposal_id, requirement_id, text, section, status, created_at) VALUES {};\n",
        requirements.join(", ")
    );
    sql += &format!(
        "INSERT INTO api_keys (id, key_hash, name, is_active, rate_limit, created_at) VALUES \
         (1, 'sha256$0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'ci', TRUE, '100/minute', {CREATED}), \
         (2, 'sha256$a1b2c3d4e5f60718293a4b5c6d7e8f90', 'partner', TRUE, '20/minute', {CREATED}), \
         (3, 'sha256$ffeeddccbbaa99887766554433221100', 'old', FALSE, NULL, {CREATED});\n"
    );
    sql += &format!(
        "INSERT INTO allowlist (id, email, status, created_at) VALUES \
         (1, 'pilot@agency.gov', 'active', {CREATED}), \
         (2, 'beta@corp.example', 'active', {CREATED}), \
         (3, 'former@example.com', 'revoked', {CREATED});\n"
    );
    sql
}
