#!/usr/bin/env node
// Entry point of the `s360-tixngo` CLI. The sources are TypeScript, run through tsx so that
// `npm ci` is the only install step (no build needed before the first command).
'use strict';
require('tsx/cjs');
void require('../cli/main.ts').main(process.argv);
