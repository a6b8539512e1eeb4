#!/usr/bin/env -S npx tsx
/** On-call CLI entry: `npm run ops -- <command>`. All logic lives in ops/. */
import { main } from '../ops/cli.ts';

process.exitCode = await main(process.argv.slice(2));
