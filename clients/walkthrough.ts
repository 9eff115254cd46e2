// The two walk-throughs of docs/getting-started/ (a filing; a manual claim), with the client @hey-api/openapi-ts generates.
//
// Every call goes through the generated SDK (build/ts) and its types; nothing here builds a request. Run by
// clients/check.py against a live server with the demo data, reading the demo credentials from the
// environment: BASE_URL, CHANNEL_KEY (xm_wechat), HOSPITAL_KEY, COUNTER, REVIEWER and ADMIN (user:password).

import { createClient, type Client } from "./build/ts/client";
import {
  approveClaim,
  checkEligibility,
  createClaim,
  createFiling,
  createPersonSession,
  createStaffToken,
  getClaim,
  getRequirements,
  listClaimEvents,
  listFilingEvents,
  listNotifications,
  payClaim,
  requestClaimMaterials,
  resubmitClaim,
  revokeFiling,
  setClaimMaterialStatus,
  startClaimReview,
  uploadClaimMaterial,
} from "./build/ts/sdk.gen";
import type {
  ClaimInputRequest,
  ClaimMaterialItem,
  FilingInputRequest,
  MaterialStatusRequest,
  VisitKind,
} from "./build/ts/types.gen";

const ZHANG = { id_number: "350203195603120312", name: "张三" }; // the demo person: a resettled retiree
const PDF = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`typescript walk-through: ${name} is not set`);
  return value;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`typescript walk-through: ${what}`);
}

const base = env("BASE_URL");

// One client per credential. Staff tokens and channel keys are API keys in the Authorization header, whose
// scheme names the prefix (x-auth-scheme); a person session is an HTTP bearer token (the client adds "Bearer").
function keyClient(prefix: "Api-Key" | "Token", credential: string): Client {
  return createClient({
    baseUrl: base,
    throwOnError: true,
    auth: (scheme) => (scheme.type === "apiKey" ? `${prefix} ${credential}` : undefined),
  });
}

function personClient(token: string): Client {
  return createClient({
    baseUrl: base,
    throwOnError: true,
    auth: (scheme) => (scheme.type === "http" ? token : undefined),
  });
}

async function staffClient(role: string): Promise<Client> {
  const [username, password] = env(role).split(":");
  const login = await createStaffToken({
    throwOnError: true,
    client: createClient({ baseUrl: base, throwOnError: true }),
    body: { username, password },
  });
  return keyClient("Token", login.data.token);
}

function isoDay(day: Date): string {
  return day.toISOString().slice(0, 10);
}

async function main(): Promise<void> {
  const channel = keyClient("Api-Key", env("CHANNEL_KEY"));
  const hospital = keyClient("Api-Key", env("HOSPITAL_KEY"));
  const today = new Date();

  // Walk-through 1: a channel, a person, a filing, a hospital, a revocation.
  const session = await createPersonSession({ throwOnError: true, client: channel, body: ZHANG });
  const person = personClient(session.data.token);
  const needed = await getRequirements({ throwOnError: true, client: person, query: { filing_type: "retiree_resettled" } });
  check("items" in needed.data && needed.data.items.length > 0, "a resettled retiree's checklist is empty");
  const filingBody: FilingInputRequest = {
    filing_type: "retiree_resettled",
    destination: "310000",
    start_date: isoDay(today),
    contact_name: ZHANG.name,
    contact_phone: "13906001234",
    consent: true,
  };
  const filing = (await createFiling({ throwOnError: true, client: person, body: filingBody })).data;
  check(filing.state === "effective" && filing.proof_basis === "commitment", `filing is ${filing.state}`);
  const visit: VisitKind = "inpatient";
  const asked = { id_number: ZHANG.id_number, city: "310100", visit };
  const covered = (await checkEligibility({ throwOnError: true, client: hospital, query: { ...asked, institution: "H31010000001" } }))
    .data;
  check(covered.covered && covered.filing === filing.reference, `not covered: ${covered.reason}`);
  const revoked = await revokeFiling({
    throwOnError: true,
    client: person,
    path: { reference: filing.reference },
    body: { reason: "回厦门居住" },
  });
  check(revoked.data.state === "revoked", `revocation left ${revoked.data.state}`);
  const after = (await checkEligibility({ throwOnError: true, client: hospital, query: asked })).data;
  check(!after.covered && after.reason_code === "no_filing", `after revocation: ${after.reason_code}`);
  const history = (await listFilingEvents({ throwOnError: true, client: person, path: { reference: filing.reference } })).data;
  check(history[0].action === "submit", "the history does not start with submit");
  console.log(`typescript walk-through: filing ${filing.reference} effective, covered, revoked (${history.length} events)`);

  // Walk-through 2: a manual reimbursement claim (手工报销).
  const counter = await staffClient("COUNTER");
  const reviewer = await staffClient("REVIEWER");
  const admin = await staffClient("ADMIN");
  await getRequirements({ throwOnError: true, client: person, query: { claim_kind: "inpatient" } });
  const discharged = new Date(today.getTime() - 24 * 86_400_000);
  const admitted = new Date(discharged.getTime() - 9 * 86_400_000);
  const claimBody: ClaimInputRequest = {
    claim_kind: "inpatient",
    reason: "settlement_failed",
    institution: "H31010000001",
    city: "310100",
    admission_date: isoDay(admitted),
    discharge_date: isoDay(discharged),
    total_amount: "20000.00",
    excluded_amount: "1000.00",
    invoices: [{ code: "31000026", number: "110001", amount: "20000.00", issued_on: isoDay(discharged) }],
    bank_name: "中国银行",
    bank_account: "6216610000001234567",
  };
  const claim = (await createClaim({ throwOnError: true, client: person, body: claimBody })).data;
  check(claim.state === "submitted" && claim.missing.length > 0, `claim is ${claim.state}`);
  const reference = claim.reference;
  const scan = new Blob([PDF], { type: "application/pdf" });
  const uploaded = await uploadClaimMaterial({
    throwOnError: true,
    client: person,
    path: { reference, item: "discharge_summary" },
    body: { file: scan },
  });
  check(uploaded.data.has_file, "the upload holds no file");
  const accept: MaterialStatusRequest = { status: "accepted" };
  const required: ClaimMaterialItem[] = claim.materials
    .filter((item) => item.required)
    .map((item) => item.item);
  const [first, ...rest] = required;
  await setClaimMaterialStatus({ throwOnError: true, client: counter, path: { reference, item: first }, body: accept });
  const asked_for = await requestClaimMaterials({ throwOnError: true, client: counter, path: { reference }, body: {} });
  check(asked_for.data.state === "materials_incomplete", `after 补正: ${asked_for.data.state}`);
  for (const item of rest) {
    await setClaimMaterialStatus({ throwOnError: true, client: counter, path: { reference, item }, body: accept });
  }
  await resubmitClaim({ throwOnError: true, client: person, path: { reference }, body: {} });
  await startClaimReview({ throwOnError: true, client: reviewer, path: { reference }, body: {} });
  const approved = (await approveClaim({ throwOnError: true, client: reviewer, path: { reference }, body: {} })).data;
  check(approved.state === "approved" && approved.payable_amount !== null, `approval left ${approved.state}`);
  const paid = await payClaim({ throwOnError: true, client: admin, path: { reference }, body: { payment_reference: "ZF2026112400001" } });
  check(paid.data.state === "paid", `payment left ${paid.data.state}`);
  const read = (await getClaim({ throwOnError: true, client: person, path: { reference } })).data;
  check(read.state === "paid", `the claim reads ${read.state}`);
  const events = (await listClaimEvents({ throwOnError: true, client: person, path: { reference } })).data;
  check(events[events.length - 1].action === "pay", "the history does not end with pay");
  // What the person was told, one shape per kind: a paid claim's payload carries the amount.
  const feed = (await listNotifications({ throwOnError: true, client: person })).data;
  const told = feed.results.map((notification) => notification.kind);
  check(told.includes("filing_effective") && told.includes("filing_revoked"), `told ${told.join(", ")}`);
  for (const notification of feed.results) {
    if (notification.kind === "claim_paid") {
      check(notification.payload.payable_amount === approved.payable_amount, "the paid amount differs");
    }
  }
  console.log(`typescript walk-through: claim ${reference} paid ${approved.payable_amount} (${events.length} events)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
