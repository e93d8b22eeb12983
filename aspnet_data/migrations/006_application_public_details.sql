-- An application names the school's public details apart from its contact person: the school
-- email and website go to the institution's public profile on approval; the contact's name
-- and email (contact_name, contact_email) stay private to the reviewers and the applicant.
ALTER TABLE applications ADD COLUMN school_email VARCHAR;
ALTER TABLE applications ADD COLUMN website VARCHAR;
