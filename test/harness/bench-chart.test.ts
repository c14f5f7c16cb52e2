import { expect } from 'chai';

import { svgBars, textBars } from '../../src/harness';

describe('harness: bench charts', () => {
  it('textBars scales each bar to the largest value and prints the values, one decimal under 10', () => {
    const lines = textBars([{ label: 'legacy', value: 240 }, { label: 'reference', value: 4.25 }], 'ms', 20).split('\n');
    expect(lines).to.have.length(2);
    expect(lines[0]).to.equal(`legacy    ${'█'.repeat(20)} 240 ms`);
    expect(lines[1]).to.equal('reference █ 4.3 ms');
  });

  it('svgBars draws one bar per value, its height proportional, with the value and unit above it', () => {
    const svg = svgBars('median latency', 'load 0.40', 'ms', [{ label: 'legacy', value: 100 }, { label: 'reference', value: 50 }]);
    expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const heights = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).to.have.length(2);
    expect(heights[0]! / heights[1]!).to.be.closeTo(2, 0.01);
    expect(svg).to.include('>100 ms</text>').and.include('>50 ms</text>').and.include('>legacy</text>').and.include('>reference</text>');
    expect(svg).to.include('>median latency</text>').and.include('>load 0.40</text>');
  });

  it('svgBars labels the y axis with the unit, or with the axis label it is given', () => {
    const bars = [{ label: 'a', value: 1 }];
    expect(svgBars('t', 's', 'ms', bars)).to.match(/rotate\(-90[^>]*>ms<\/text>/);
    expect(svgBars('t', 's', 'ms', bars, 'latency (ms)')).to.match(/rotate\(-90[^>]*>latency \(ms\)<\/text>/);
  });

  it('svgBars escapes what it is given, so a label cannot break the document', () => {
    const svg = svgBars('a < b & c', 'x > y', 'ms', [{ label: '<script>', value: 3 }]);
    expect(svg).to.include('a &lt; b &amp; c').and.include('x &gt; y').and.include('&lt;script&gt;');
    expect(svg).to.not.include('<script>');
  });
});
