-- Why an agency rejected a referral, as the code the event carries (never the agency's text):
-- counted per agency in its report. Rejections read before the field count as `lainnya`.
ALTER TABLE referral_facts ADD COLUMN reason_code text;
