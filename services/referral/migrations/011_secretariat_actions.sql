-- The secretariat triages, re-routes, holds and resolves referrals and notes cases: a referral
-- may end withdrawn (taken from its agency), and a need may move to another service (triage).
ALTER TABLE referrals DROP CONSTRAINT referrals_status_known;
ALTER TABLE referrals ADD CONSTRAINT referrals_status_known CHECK (status IN
    ('dispatched', 'acknowledged', 'in_progress', 'rejected', 'resolved', 'withdrawn'));
-- Set when triage sent this need on as another service: the need lives on under that code.
ALTER TABLE referrals ADD COLUMN moved_to_service text;
-- Never two open referrals of one need, whatever runs side by side.
CREATE UNIQUE INDEX referrals_one_open_per_need ON referrals (complaint_id, service_code)
    WHERE status IN ('dispatched', 'acknowledged', 'in_progress');

ALTER TABLE case_actions DROP CONSTRAINT case_actions_action_check;
ALTER TABLE case_actions ADD CONSTRAINT case_actions_action_known CHECK (action IN
    ('due_extended', 'withdrawn', 'triaged', 'held', 'resolved', 'note_added'));
ALTER TABLE case_actions ADD COLUMN service_code text;
ALTER TABLE case_actions ADD COLUMN to_agency_code text;
ALTER TABLE case_actions ADD COLUMN outcome text;
-- A staff note: free text written by the secretariat or kecamatan staff, kept here only (its
-- event carries no text) and shown to staff in the console.
ALTER TABLE case_actions ADD COLUMN note text
    CHECK (note IS NULL OR (action = 'note_added' AND length(note) BETWEEN 1 AND 1000));
