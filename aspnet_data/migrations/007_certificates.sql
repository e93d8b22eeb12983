-- Membership certificates: one number per member institution, issued in the transaction that
-- makes it a member (aspnet_data.certificates.issue_certificates), never reused. A number reads
-- NETWORK-YEAR-SEQUENCE (FRA-2026-0042): the network, the year of issue, and a counter within
-- that network and year. Whether a certificate is valid is not stored: it is valid while its
-- school is a member, and the verification page says so from the institution's status.
-- institution_id has no foreign key: DuckDB executes an UPDATE of a list column of
-- institutions as delete + insert, which a foreign key pointing at the row refuses (see 003).

CREATE TABLE certificates (
    number          VARCHAR PRIMARY KEY,
    institution_id  BIGINT NOT NULL UNIQUE,
    network         VARCHAR NOT NULL,
    year            INTEGER NOT NULL,
    sequence        INTEGER NOT NULL CHECK (sequence > 0),
    issued_on       DATE NOT NULL
);

-- Every member gets its number today, the older members first within their network.
INSERT INTO certificates (number, institution_id, network, year, sequence, issued_on)
SELECT printf('%s-%d-%04d', network, year(today), sequence), id, network, year(today), sequence, today
FROM (
    SELECT i.id, i.network, CAST(timezone('UTC', now()) AS DATE) AS today,
           row_number() OVER (PARTITION BY i.network ORDER BY i.year_joined NULLS LAST, i.id) AS sequence
    FROM institutions i
    WHERE i.status = 'member'
);
