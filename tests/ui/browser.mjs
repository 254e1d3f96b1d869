// The collector's pages in Debian's headless Chromium, driven over the
// DevTools protocol (puppeteer-core; no browser download). Reads its
// settings as JSON on stdin (tests/integration/ui.sh writes them), prints
// "PASS name" / "FAIL name: why" lines, and takes screenshots into
// settings.shots. Never prints a token or the leaked secret.
import { readFileSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

const cfg = JSON.parse(readFileSync(0, 'utf8'));
const operatorToken = readFileSync(cfg.operator_token_file, 'utf8').trim();
const ingestToken = readFileSync(cfg.ingest_token_file, 'utf8').trim();
const secret = readFileSync(cfg.secret_file, 'utf8').trim();
const base = cfg.url;
const dialogs = [];

function result(name, ok, why) {
  console.log(ok ? `PASS ${name}` : `FAIL ${name}: ${why}`);
}

async function expectText(page, name, selector, wanted) {
  const text = await page.$eval(selector, (e) => e.innerText).catch((e) => `(no ${selector}: ${e.message})`);
  const missing = wanted.filter((w) => !text.includes(w));
  result(name, missing.length === 0, `missing ${JSON.stringify(missing)} in ${JSON.stringify(text.slice(0, 400))}`);
  return text;
}

// Nothing from a finding became markup: no element that a value could have made,
// no dialog, and the secret is not in the document.
async function expectInert(page, name) {
  const found = await page.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    svg: document.querySelectorAll('svg').length,
    script: [...document.querySelectorAll('script')].filter((s) => s.getAttribute('src') !== '/ui/app.js').length,
  }));
  result(`${name}: a process or file named like markup stays text`,
    found.img === 0 && found.svg === 0 && found.script === 0 && dialogs.length === 0,
    `elements ${JSON.stringify(found)}, dialogs ${dialogs.length}`);
  const html = await page.content();
  result(`${name}: the raw secret is not on the page`, !html.includes(secret), 'the raw secret is on the page');
}

async function signIn(page, token) {
  await page.goto(`${base}/ui/login`);
  await page.type('input[name=token]', token);
  const [resp] = await Promise.all([page.waitForNavigation(), page.click('form.login button')]);
  return resp;
}

const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  defaultViewport: { width: 1400, height: 900 },
});
try {
  const page = await browser.newPage();
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });

  // No session: the sign-in form, and no finding.
  await page.goto(`${base}/ui/`);
  result('no session: the overview sends to the sign-in form', new URL(page.url()).pathname === '/ui/login', page.url());
  const loginText = await page.$eval('body', (e) => e.innerText);
  result('    which shows no finding', !loginText.includes('redis') && !loginText.includes(cfg.fingerprint.slice(0, 16)), loginText.slice(0, 200));
  await page.screenshot({ path: `${cfg.shots}/login.png` });

  // An ingest token at the form: 403, no session.
  const refused = await signIn(page, ingestToken);
  result('an ingest token at the form is refused with 403', refused && refused.status() === 403, refused && refused.status());
  await expectText(page, '    saying why', '#why', ['ingest role']);
  const after = await page.goto(`${base}/ui/`);
  result('    and no session follows', new URL(page.url()).pathname === '/ui/login', `${after.status()} ${page.url()}`);

  // The operator: the overview.
  await signIn(page, operatorToken);
  result('the operator signs in and lands on the overview', new URL(page.url()).pathname === '/ui/', page.url());
  await expectText(page, 'the overview shows the exposed redis', '#exposures',
    ['redis', '0.0.0.0:6379', 'public', 'answers without credentials', 'redis-server']);
  await expectText(page, 'the overview shows the odd listener by its name, as text', '#exposures',
    [cfg.evil.slice(0, 15), '0.0.0.0:27017']);
  await expectText(page, 'the overview shows the leak', '#leaks',
    ['github', cfg.fingerprint.slice(0, 16), '<svg onload=alert(2)>.log']);
  await expectInert(page, 'overview');
  await page.screenshot({ path: `${cfg.shots}/overview-all.png`, fullPage: true });
  // what a page from an alert would link to: the serious ones (the test
  // host's own wildcard listeners, the browser's among them, are low)
  await page.goto(`${base}/ui/?severity=medium`);
  await page.screenshot({ path: `${cfg.shots}/overview.png`, fullPage: true });
  await page.goto(`${base}/ui/`);

  // The filters: a choice submits the form (with the script), and the URL carries them.
  await Promise.all([page.waitForNavigation(), page.select('select[name=kind]', 'leak')]);
  const url = new URL(page.url());
  result('choosing a kind filters at once, in a URL that can be shared', url.searchParams.get('kind') === 'leak' &&
    (await page.$('#exposures')) === null && (await page.$('#leaks')) !== null, page.url());

  // The odd listener's page: its executable as text. Found page by page:
  // the browser's own UDP sockets are public listeners too, and can push it
  // past the first page.
  await page.goto(`${base}/ui/?severity=info`);
  let href;
  for (let pages = 0; pages < 20 && !href; pages++) {
    href = await page.$$eval('#exposures a.endpoint', (as) => as.map((a) => a.getAttribute('href')).find((h) => h.endsWith('/27017')));
    const next = await page.$('a[rel=next]'); // the exposures' pager comes first
    if (href || !next)
      break;
    await Promise.all([page.waitForNavigation(), next.click()]);
  }
  result("the odd listener is on the overview's pages", href !== undefined, page.url());
  await page.goto(`${base}${href}`);
  await expectText(page, "a listener's page names the executable and its history", 'main',
    [cfg.evil, 'History', 'opened', 'public']);
  await expectInert(page, 'listener page');
  await page.screenshot({ path: `${cfg.shots}/listener.png`, fullPage: true });

  // The alert's link, followed: the leak's page.
  const leakResp = await page.goto(cfg.leak_link);
  result("the alert's link opens the leak's page", leakResp.status() === 200 && page.url() === cfg.leak_link, `${leakResp.status()} ${page.url()}`);
  await expectText(page, "the leak's page: rule, fingerprint, where, runbook, not yet acknowledged", 'main',
    ['github', cfg.fingerprint, cfg.leak_log, 'Runbook', 'not yet', 'History', 'firing']);
  await expectInert(page, 'leak page');
  await page.screenshot({ path: `${cfg.shots}/leak.png`, fullPage: true });

  // Forms that must not acknowledge. A page of another site (an opaque
  // origin: a data: URL) posting to the collector: the browser withholds the
  // SameSite=Strict session and says cross-site. And a form on the
  // collector's own origin without the session's CSRF token.
  const forms = await browser.newPage();
  const post = async (where, action) => {
    const [r] = await Promise.all([where.waitForNavigation(), where.evaluate((a) => {
      const f = document.createElement('form');
      f.method = 'post';
      f.action = a;
      const i = document.createElement('input');
      i.name = 'by';
      i.value = 'mallory';
      f.appendChild(i);
      document.body.appendChild(f);
      f.submit();
    }, action)]);
    return r ? r.status() : 0;
  };
  await forms.goto('data:text/html,<p>another site</p>');
  const crossSite = await post(forms, `${base}/ui/leak/${cfg.fingerprint}/ack`);
  result('a cross-site form cannot acknowledge', crossSite === 401 || crossSite === 403, crossSite);
  await forms.goto(`${base}/ui/hosts`);
  const noToken = await post(forms, `${base}/ui/leak/${cfg.fingerprint}/ack`);
  result('a same-site form without the CSRF token cannot acknowledge', noToken === 403, noToken);
  await forms.close();
  await page.bringToFront();
  await page.reload();
  await expectText(page, '    the leak is still unacknowledged', 'main', ['not yet']);

  // Acknowledge through the form.
  const [ackResp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/ack'), { timeout: 10000 }),
    page.click('#acknowledge'),
  ]);
  result('the acknowledge form posts and is sent on to the page', ackResp.status() === 303, ackResp.status());
  await page.waitForSelector('#acknowledge', { hidden: true, timeout: 10000 });
  await expectText(page, 'acknowledging through the form marks it, by the operator', 'main', ['by alice']);
  result('    and the form is gone', (await page.$('#acknowledge')) === null, 'the form is still there');

  // The hosts page.
  await page.goto(`${base}/ui/hosts`);
  await expectText(page, 'the hosts page lists the agent and its heartbeat', 'main', ['Last heard from', 'ago', '0 silent']);
  await page.screenshot({ path: `${cfg.shots}/hosts.png`, fullPage: true });

  // Without JavaScript the pages still work: the filter form submits by its button.
  const plain = await browser.newPage();
  await plain.setJavaScriptEnabled(false);
  await plain.goto(`${base}/ui/`);
  await plain.select('select[name=severity]', 'info');
  await Promise.all([plain.waitForNavigation(), plain.click('form.filters button')]);
  result('without JavaScript the filter button filters', new URL(plain.url()).searchParams.get('severity') === 'info' &&
    (await plain.$('#exposures')) !== null, plain.url());

  result('no dialog opened on any page', dialogs.length === 0, JSON.stringify(dialogs));
} catch (e) {
  result('the browser run', false, e.stack.replaceAll(secret, '<secret>'));
} finally {
  await browser.close();
}
