// Accessibility and layout of every page of the module in nl, fr and en,
// in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core). axe-core checks WCAG 2.0/2.1 A and AA rules and must find
// no violation. A screenshot of each page in each language goes to
// output/screenshots (BROWSER_OUTPUT overrides output/).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import axe from 'axe-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const output = process.env.BROWSER_OUTPUT || path.join(here, 'output');
const shots = path.join(output, 'screenshots');
const languages = ['nl', 'fr', 'en'];
const viewports = {
  phone: { width: 375, height: 667 },
  tablet: { width: 768, height: 1024 },
  desktop: { width: 1280, height: 800 },
};
const axeTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let servers;
let urls;
let browser;

function startServers() {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(here, 'serve.py')], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, BROWSER_OUTPUT: output },
    });
    child.on('exit', (code) => reject(new Error(`serve.py exited with status ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      resolve({ child, urls: JSON.parse(line) });
    });
  });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  ({ child: servers, urls } = await startServers());
  // playwright-core gives Chromium a fresh temporary --user-data-dir of its
  // own and removes it on close; it refuses the flag in args.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (servers) {
    servers.removeAllListeners('exit');
    servers.stdin.end();
    await new Promise((resolve) => servers.once('exit', resolve));
  }
});

async function newPage(lang, viewport = viewports.desktop) {
  // bypassCSP lets axe-core run on pages whose policy forbids scripts.
  const context = await browser.newContext({
    locale: lang, extraHTTPHeaders: { 'Accept-Language': lang },
    viewport, bypassCSP: true,
  });
  return { context, page: await context.newPage() };
}

async function checkPage(page, name, lang) {
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  await page.addScriptTag({ content: axe.source });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    axeTags);
  const problems = result.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(problems, [], `${name} in ${lang}`);
  await page.screenshot({ path: path.join(shots, `${name}.${lang}.png`), fullPage: true });
}

async function signIn(page, base, user, password) {
  await page.goto(`${base}/extranet/login`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

async function submitLogin(page, user) {
  await page.goto(`${urls.base}/extranet/login`);
  await page.fill('#username', user);
  await page.fill('#password', 'Fout-Wachtwoord');
  const [response] = await Promise.all([page.waitForNavigation(),
    page.click('button[type=submit]')]);
  return response;
}

// Each entry opens one page in a fresh context and returns its HTTP status.
const pages = {
  login: async (page) => (await page.goto(`${urls.base}/extranet/login`)).status(),
  login_failed: async (page, lang) => {
    await page.goto(`${urls.base}/extranet/login`);
    await page.fill('#username', `fout-${lang}`);
    await page.fill('#password', 'Fout-Wachtwoord');
    const [response] = await Promise.all([page.waitForNavigation(),
      page.click('button[type=submit]')]);
    return response.status();
  },
  expired: async (page) => (await page.goto(`${urls.base}/extranet/login?expired=1`)).status(),
  // The account limits are 1 failure before a delay and 3 before a block
  // (serve.py), so the second quick attempt waits, and the fourth attempt
  // that keeps the delays finds the account blocked for 600 seconds.
  throttled: async (page, lang) => {
    let response;
    for (let i = 0; i < 4; i += 1) {
      response = await submitLogin(page, `traag-${lang}`);
      if (response.status() === 429) break;
    }
    return response.status();
  },
  blocked: async (page, lang) => {
    let response;
    for (let i = 0; i < 8; i += 1) {
      response = await submitLogin(page, `geblokkeerd-${lang}`);
      const wait = Number(response.headers()['retry-after'] || 0);
      if (response.status() === 429 && wait > 60) break;
      if (wait > 0) await page.waitForTimeout(wait * 1000 + 100);
    }
    return response.status();
  },
  bad_request: async (page) => {
    await page.goto(`${urls.base}/extranet/login`);
    await page.evaluate(() => document.querySelector('input[name=csrf]').remove());
    await page.fill('#username', 'raadslid');
    await page.fill('#password', 'Raad2026!');
    const [response] = await Promise.all([page.waitForNavigation(),
      page.click('button[type=submit]')]);
    return response.status();
  },
  unavailable: async (page) => {
    await page.goto(`${urls.down}/extranet/login`);
    await page.fill('#username', 'raadslid');
    await page.fill('#password', 'Raad2026!');
    const [response] = await Promise.all([page.waitForNavigation(),
      page.click('button[type=submit]')]);
    return response.status();
  },
  not_found: async (page) => {
    await signIn(page, urls.base, 'raadslid', 'Raad2026!');
    return (await page.goto(`${urls.base}/personeel/`)).status();
  },
  forbidden: async (page) => {
    await signIn(page, urls.base, 'raadslid', 'Raad2026!');
    return (await page.goto(`${urls.base}/vriendenkring/`)).status();
  },
  logout: async (page) => {
    await signIn(page, urls.base, 'raadslid', 'Raad2026!');
    return (await page.goto(`${urls.base}/extranet/logout`)).status();
  },
  logged_out: async (page) => {
    await signIn(page, urls.base, 'raadslid', 'Raad2026!');
    await page.goto(`${urls.base}/extranet/logout`);
    const [response] = await Promise.all([page.waitForNavigation(),
      page.click('button[type=submit]')]);
    return response.status();
  },
  admin: async (page) => {
    await signIn(page, urls.base, 'beheerder', 'Beheer2026!');
    return (await page.goto(`${urls.base}/extranet/admin/sessions`)).status();
  },
};

const expectedStatus = {
  login: 200, login_failed: 200, expired: 200, throttled: 429, blocked: 429,
  bad_request: 400, unavailable: 503, not_found: 404, forbidden: 403,
  logout: 200, logged_out: 200, admin: 200,
};

for (const [name, open] of Object.entries(pages)) {
  for (const lang of languages) {
    test(`${name} page in ${lang} has no axe violations`, async () => {
      const { context, page } = await newPage(lang);
      try {
        assert.equal(await open(page, lang), expectedStatus[name]);
        await checkPage(page, name, lang);
      } finally {
        await context.close();
      }
    });
  }
}

for (const [device, viewport] of Object.entries(viewports)) {
  test(`login page fits a ${device} screen without horizontal scrolling`, async () => {
    const { context, page } = await newPage('nl', viewport);
    try {
      await page.goto(`${urls.base}/extranet/login`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${overflow}px wider than the ${device} viewport`);
      const box = await page.locator('button[type=submit]').boundingBox();
      assert.ok(box.height >= 44, `submit button ${box.height}px high, under 44`);
      assert.ok(box.width >= 44, `submit button ${box.width}px wide, under 44`);
      await checkPage(page, `login-${device}`, 'nl');
    } finally {
      await context.close();
    }
  });
}

test('page zoomed to 320 CSS pixels still fits (WCAG 1.4.10 reflow)', async () => {
  const { context, page } = await newPage('nl', { width: 320, height: 256 });
  try {
    await page.goto(`${urls.base}/extranet/login`);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${overflow}px of horizontal scrolling at 320px`);
  } finally {
    await context.close();
  }
});

test('Afmelden button of an intranet page signs out in one click', async () => {
  const { context, page } = await newPage('nl');
  try {
    await signIn(page, urls.base, 'raadslid', 'Raad2026!');
    await page.goto(`${urls.base}/raad/`);
    const [response] = await Promise.all([page.waitForNavigation(),
      page.click('form[action="/extranet/logout"] button[type=submit]')]);
    assert.equal(response.status(), 200);
    assert.match(await page.textContent('main'), /U bent afgemeld/);
    const after = await page.goto(`${urls.base}/raad/`);
    assert.match(after.url(), /\/extranet\/login\?return=/);
  } finally {
    await context.close();
  }
});
