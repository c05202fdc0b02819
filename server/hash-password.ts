// `node server/hash-password.ts`: asks for a password and prints the value for NOTES_PASSWORD_HASH.
import readline from 'node:readline/promises';
import { hashPassword } from './security/password.ts';

const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
const password = process.env.NOTES_PASSWORD ?? (await rl.question('Password for the site (at least 10 characters): '));
rl.close();
if (password.length < 10) {
  console.error('That password is shorter than 10 characters; choose a longer one.');
  process.exit(1);
}
console.log(hashPassword(password));
