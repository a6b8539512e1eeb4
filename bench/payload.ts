/**
 * Realistic webhook bodies: a Sully/Stripe-shaped `note_generation.succeeded` event whose `data.note`
 * is a clinical note (SOAP sections, newlines, quotes), padded to an exact byte size.
 */

const SECTIONS = [
  'SUBJECTIVE:\nPatient is a 58-year-old male presenting for follow-up of type 2 diabetes mellitus and essential hypertension. ' +
    'He reports good adherence to metformin 1000 mg twice daily and lisinopril 20 mg daily. Denies chest pain, dyspnea, ' +
    'polyuria or polydipsia. States "my sugars have been running around 140 in the mornings." Sleeps 6-7 hours per night.',
  'OBJECTIVE:\nBP 138/86, HR 74, RR 14, Temp 98.4 F, SpO2 98% on room air, BMI 31.2. General: alert, oriented, no acute ' +
    'distress. CV: regular rate and rhythm, no murmurs. Lungs: clear to auscultation bilaterally. Extremities: no edema, ' +
    'monofilament sensation intact bilaterally. Labs: HbA1c 7.4% (previous 7.9%), eGFR 78, LDL 112 mg/dL.',
  'ASSESSMENT:\n1. Type 2 diabetes mellitus without complications, improving control.\n2. Essential hypertension, above ' +
    'goal of <130/80.\n3. Hyperlipidemia, LDL above goal for a patient with diabetes.\n4. Obesity, class I.',
  'PLAN:\n- Continue metformin 1000 mg BID; add empagliflozin 10 mg daily given cardiovascular risk profile.\n- Increase ' +
    'lisinopril to 40 mg daily; home BP log, return in 4 weeks.\n- Start atorvastatin 20 mg nightly; repeat lipid panel ' +
    'in 12 weeks.\n- Dietitian referral; discussed 150 minutes per week of moderate activity.\n- Patient verbalized ' +
    'understanding and agreement with the plan.',
];

export interface Payload {
  readonly label: string;
  readonly bytes: Buffer;
  readonly text: string;
  readonly eventId: string;
  readonly eventType: string;
}

/** Builds a JSON event of exactly `size` UTF-8 bytes (ASCII only, as most senders' notes are). */
export function clinicalNoteEvent(label: string, size: number, created: number): Payload {
  const eventId = `evt_1Q${size.toString(36).padStart(6, '0')}Xk3bZ9mN2pR7`;
  const eventType = 'note_generation.succeeded';
  const event = (note: string) =>
    JSON.stringify({
      id: eventId,
      type: eventType,
      created,
      data: { id: `note_8Jd2kQ${size}`, encounter_id: 'enc_5Tf9wL1c', status: 'completed', note },
    });
  let note = '';
  for (let i = 0; event(note).length < size; i++) note += (note ? '\n\n' : '') + SECTIONS[i % SECTIONS.length];
  while (Buffer.byteLength(event(note)) > size) note = note.slice(0, -1);
  // Each '\n' costs two bytes in JSON; top up with spaces to hit the size exactly.
  note += ' '.repeat(size - Buffer.byteLength(event(note)));
  const text = event(note);
  if (Buffer.byteLength(text) !== size) throw new Error(`payload ${label} is ${Buffer.byteLength(text)} bytes, not ${size}`);
  return { label, bytes: Buffer.from(text, 'utf8'), text, eventId, eventType };
}
