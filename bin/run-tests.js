#!/usr/bin/env node
'use strict';
require('tsx/cjs');
require('../scripts/run-tests.ts');
