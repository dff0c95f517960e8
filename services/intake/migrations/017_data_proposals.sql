-- DTSEN data proposals of the villages: the codes of each (the complaint it became). The
-- household's KK number, NIK and name live in `residents` (erased with them) and what to add
-- or change in the complaint's need detail (DTSEN); nothing personal here.
CREATE TABLE data_proposals (
    complaint_id      uuid PRIMARY KEY REFERENCES complaints (id),
    kind              text NOT NULL CHECK (kind IN ('baru', 'perubahan', 'penghapusan')),
    removal_reason    text,
    deliberation_date date NOT NULL,
    village_code      text NOT NULL,
    regency_code      text NOT NULL,
    proposed_at       timestamptz NOT NULL,
    CHECK ((kind = 'penghapusan') = (removal_reason IS NOT NULL))
);
-- The operator's list (its village) and district staff's (the regency), newest first.
CREATE INDEX data_proposals_village ON data_proposals (village_code, proposed_at DESC, complaint_id DESC);
CREATE INDEX data_proposals_regency ON data_proposals (regency_code, proposed_at DESC, complaint_id DESC);
