-- An audit row with nothing before or after stores SQL NULL. Message edits, deletions and
-- hidings used to store the JSON text 'null' instead (for a hidden message's before, a deleted
-- message's after): those rows now say NULL too, so one test (IS NULL) finds every absent side.
UPDATE audit_log SET before = NULL WHERE before IS NOT NULL AND CAST(before AS VARCHAR) = 'null';
UPDATE audit_log SET after = NULL WHERE after IS NOT NULL AND CAST(after AS VARCHAR) = 'null';
