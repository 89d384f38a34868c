#!/usr/bin/env node
import { fail } from './output.js';
import { buildProgram } from './program.js';

buildProgram().parseAsync(process.argv).catch(fail);
