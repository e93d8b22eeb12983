-- A network's description is written in one of the interface languages (English, French or
-- Spanish) and may be translated into the others: the public profile shows the reader's
-- language when a translation exists, else the original with the name of its language.
-- description keeps the original text; description_language says which language it is in;
-- description_en, description_fr and description_es hold translations (the column of the
-- original's own language stays empty).
ALTER TABLE networks ADD COLUMN description_language VARCHAR;
ALTER TABLE networks ADD COLUMN description_en VARCHAR;
ALTER TABLE networks ADD COLUMN description_fr VARCHAR;
ALTER TABLE networks ADD COLUMN description_es VARCHAR;

-- Descriptions written before this migration were entered for an English interface.
UPDATE networks SET description_language = 'en' WHERE description IS NOT NULL;
