// Writes docs/settings.md from the settings table: npm run -s docs:settings
import { writeFileSync } from 'node:fs';
import { settingsReference } from '../models/settings-doc.ts';

writeFileSync(new URL('../docs/settings.md', import.meta.url), settingsReference());
process.stdout.write('wrote docs/settings.md\n');
