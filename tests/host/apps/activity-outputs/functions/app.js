/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS app, loaded by the host the way a compiled Functions app is */
// Fan-out/fan-in whose activity writes its result through output bindings whose paths come from the
// activity's input (`{reportPath}`, `{site}`, `{meta.region}`, `{instanceId}`), on a named connection.
const { output } = require('@azure/functions');
const df = require('durable-functions');

const archived = output.storageBlob({ path: 'archive/{reportPath}', connection: 'ArchiveStorage' });
const byRegion = output.storageBlob({ path: 'regions/{meta.region}/{instanceId}-{site}-{final}.txt', connection: 'ArchiveStorage' });
const notices = output.storageQueue({ queueName: 'reports-{site}', connection: 'ArchiveStorage' });

df.app.activity('archiveReport', {
  extraOutputs: [archived, byRegion, notices],
  handler: (report, context) => {
    const body = JSON.stringify({ site: report.site, rows: report.rows });
    context.extraOutputs.set(archived, body);
    context.extraOutputs.set(byRegion, `rows=${report.rows}`);
    context.extraOutputs.set(notices, { site: report.site, path: report.reportPath });
    return body.length;
  },
});

// A return-value output: the activity's result is both the blob's content and the orchestration's value.
df.app.activity('summarize', {
  return: output.storageBlob({ path: 'summaries/{label}.txt', connection: 'ArchiveStorage' }),
  handler: ({ total }) => `total=${total}`,
});

// The same output with an expression the input does not provide: the activity must fail, loudly.
const unresolvable = output.storageBlob({ path: 'archive/{missingKey}.json', connection: 'ArchiveStorage' });
df.app.activity('archiveWithoutKey', {
  extraOutputs: [unresolvable],
  handler: (input, context) => {
    context.extraOutputs.set(unresolvable, 'never written');
    return 'returned';
  },
});

df.app.orchestration('archiveAll', function* (context) {
  const sites = context.df.getInput();
  const sizes = yield context.df.Task.all(
    sites.map((site, i) =>
      context.df.callActivity('archiveReport', {
        site,
        rows: i + 1,
        reportPath: `${site}/2026/report-${i}.json`,
        meta: { region: i % 2 === 0 ? 'emea' : 'amer' },
        final: i === sites.length - 1,
      }),
    ),
  );
  const total = sizes.reduce((a, b) => a + b, 0);
  const summary = yield context.df.callActivity('summarize', { label: context.df.instanceId, total });
  return { total, summary };
});

df.app.orchestration('archiveBroken', function* (context) {
  try {
    yield context.df.callActivity('archiveWithoutKey', { site: 'x' });
    return 'no error';
  } catch (err) {
    return `caught: ${err.message.split('\n')[0].trim()}`;
  }
});
