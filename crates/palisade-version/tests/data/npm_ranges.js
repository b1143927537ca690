#!/usr/bin/env node
// Regenerates npm-ranges.tsv: random node-semver ranges and, for each of a fixed list of
// versions, what node-semver 7.8.6 answers.
//
//     npm install semver@7.8.6 && node npm_ranges.js > npm-ranges.tsv
//
// Line format: `RANGE<TAB>OPTIONS<TAB>RESULTS`. OPTIONS is `-` (none), `loose` or
// `includePrerelease`. RESULTS is `invalid` when the range does not parse, else one character
// per version of the header line: `-` when the version does not parse, else the digit
// 4*satisfies + 2*gtr + ltr.
'use strict'
const semver = require('semver')

const PARTS = ['1', '2', '0', 'x', '*', '1.2', '1.2.3', '0.0.3', '0.2', '1.2.3-beta.2', '2.0.0-rc.1',
  'v1.2', '=1.0.0', '1.x', '1.2.x', '~1.2', '^0.1', '^1.2.3-alpha', '>=1.2.3', '<2', '<=1.5', '>0.9',
  '1.0.0 - 2.0.0', '1.2 - 2', '~> 1.2', '>= 1.0.0', '<  2.0', ' ', '||', '01.2.3', '1.2.3beta',
  '*.1', '1.x.2', '^0.0.1', '~0.6.1-1', '1.2.3+build', '>=1.2.3+x <2', '<1.2.3-0', '>=*', 'x.x.x']
const VERSIONS = ['0.0.0', '0.0.3', '0.0.4', '0.1.0', '0.1.5', '0.2.0', '0.6.1-0', '0.6.1-1',
  '0.9.9', '1.0.0', '1.0.0-alpha', '1.0.1', '1.2.0', '1.2.3', '1.2.3-beta.1', '1.2.3-beta.3',
  '1.2.4', '1.3.0', '1.5.0', '1.9.9', '2.0.0', '2.0.0-rc.1', '2.0.0-rc.2', '2.1.0', '3.0.0',
  'v1.2.3', '1.2.3beta', '01.2.3', '1.2.3+build']

let seed = 42
const rnd = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n }
const ranges = new Set()
while (ranges.size < 800) {
  const parts = []
  for (let j = 0, n = 1 + rnd(4); j < n; j++) parts.push(PARTS[rnd(PARTS.length)])
  ranges.add(parts.join(rnd(3) === 0 ? ' || ' : ' '))
}
const out = ['# versions\t-\t' + VERSIONS.join(' ')]
for (const r of ranges) {
  for (const [name, o] of [['-', {}], ['loose', { loose: true }], ['includePrerelease', { includePrerelease: true }]]) {
    let res
    try {
      new semver.Range(r, o)
      res = VERSIONS.map(v => {
        if (!semver.valid(v, o)) return '-'
        return String(4 * semver.satisfies(v, r, o) + 2 * semver.gtr(v, r, o) + semver.ltr(v, r, o))
      }).join('')
    } catch (e) {
      res = 'invalid'
    }
    out.push(`${r}\t${name}\t${res}`)
  }
}
console.log(out.join('\n'))
