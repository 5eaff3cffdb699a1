-- Reviews keep every verdict, not only the final one: a row per AI reviewer (`risk`, `market`) with
-- its model, prompt version, confidence, reasons, latency and tokens, and a `decision` row with what
-- was done (`decided_by`: ai, human, policy or expiry), so a review can be judged later against the
-- outcome of the order it allowed (the `review_decisions` view joins the order).

ALTER TABLE reviews DROP CONSTRAINT reviews_pkey;
ALTER TABLE reviews ADD COLUMN reviewer TEXT NOT NULL DEFAULT 'decision';
ALTER TABLE reviews ALTER COLUMN reviewer DROP DEFAULT;
ALTER TABLE reviews ADD PRIMARY KEY (client_order_id, reviewer);
ALTER TABLE reviews
    ADD COLUMN decided_by TEXT,
    ADD COLUMN prompt_version TEXT,
    ADD COLUMN confidence NUMERIC,
    ADD COLUMN reasons JSONB,
    ADD COLUMN latency_ms INTEGER,
    ADD COLUMN input_tokens INTEGER,
    ADD COLUMN output_tokens INTEGER,
    ADD COLUMN flagged BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN note TEXT;

CREATE INDEX reviews_decisions_idx ON reviews (reviewed_at DESC, client_order_id DESC) WHERE reviewer = 'decision';

CREATE VIEW review_decisions AS
SELECT d.client_order_id, d.trader_id, d.signal_id, d.approved, d.reason, d.decided_by, d.flagged, d.note, d.reviewed_at,
       COALESCE((
           SELECT jsonb_agg(jsonb_build_object(
                      'reviewer', v.reviewer, 'model', v.model, 'promptVersion', v.prompt_version, 'approved', v.approved,
                      'confidence', v.confidence, 'reasons', v.reasons, 'latencyMs', v.latency_ms,
                      'inputTokens', v.input_tokens, 'outputTokens', v.output_tokens) ORDER BY v.reviewer)
           FROM reviews v WHERE v.client_order_id = d.client_order_id AND v.reviewer <> 'decision'), '[]'::jsonb) AS opinions,
       o.status AS order_status, o.filled_quantity AS order_filled_quantity, o.filled_notional AS order_filled_notional, o.fees AS order_fees
FROM reviews d
LEFT JOIN orders o USING (client_order_id)
WHERE d.reviewer = 'decision';
