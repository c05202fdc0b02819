import { describe, expect, it } from 'vitest';
import { imagesInMdx, normaliseImage } from '../../scripts/prefetch.ts';

/** A page with one fenced block. */
const block = (lang: string, body: string, meta = '') =>
  ['---', 'title: t', '---', '', `\`\`\`${lang}${meta ? ` ${meta}` : ''}`, body, '```', ''].join('\n');

describe('normaliseImage: full names as a registry knows them', () => {
  it('adds library/ to official images and latest to untagged ones', () => {
    expect(normaliseImage('ubuntu')).toBe('library/ubuntu:latest');
    expect(normaliseImage('python:3.12-slim')).toBe('library/python:3.12-slim');
    expect(normaliseImage('docker.io/library/ubuntu:24.04')).toBe('library/ubuntu:24.04');
    expect(normaliseImage('damonallison/docker-whale')).toBe('damonallison/docker-whale:latest');
  });

  it('keeps another registry host and a digest', () => {
    expect(normaliseImage('quay.io/team/app:1')).toBe('quay.io/team/app:1');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(normaliseImage(`ubuntu@${digest}`)).toBe(`library/ubuntu@${digest}`);
  });

  it('refuses what is not a literal name', () => {
    expect(normaliseImage('$REGISTRY/me/app:latest')).toBeUndefined();
    expect(normaliseImage('<image_id>')).toBeUndefined();
    expect(normaliseImage('Ubuntu')).toBeUndefined();
  });
});

describe('imagesInMdx: the images a page pulls', () => {
  it('finds a plain docker run', () => {
    expect(imagesInMdx(block('shell', 'docker run ubuntu'))).toEqual(['library/ubuntu:latest']);
  });

  it('skips options and reads the image before the command', () => {
    expect(imagesInMdx(block('sh', 'docker run --rm -p 4000:80 python:3.12-slim python3 -V'))).toEqual(['library/python:3.12-slim']);
  });

  it('skips the values of options that take one', () => {
    const body = [
      'docker run -d --name x -v a:b -e K=V --memory 64m ubuntu sleep 300',
      'docker run -it --rm --cpus=0.5 -m64m -dp 80:80 alpine:3 sh',
      'docker run --network none --entrypoint "" -w /app busybox true',
    ].join('\n');
    expect(imagesInMdx(block('bash', body))).toEqual(['library/alpine:3', 'library/busybox:latest', 'library/ubuntu:latest']);
  });

  it('finds docker pull, images inside $(...) and after line continuations', () => {
    const body = [
      'docker pull -q debian:bookworm >/dev/null',
      'echo "Kernel: $(docker run --rm ubuntu uname -r)"',
      'docker run --rm \\',
      '  --memory 32m python:3.12-slim python3 -V',
      'docker run --help | grep blkio',
    ].join('\n');
    expect(imagesInMdx(block('shell', body))).toEqual(['library/debian:bookworm', 'library/python:3.12-slim', 'library/ubuntu:latest']);
  });

  it('finds FROM in a Dockerfile file block, not its own stages', () => {
    const dockerfile = [
      'FROM golang:1.22 AS build',
      'RUN go build',
      'FROM --platform=linux/amd64 build',
      'FROM scratch',
      'FROM python:3.12-slim',
    ].join('\n');
    expect(imagesInMdx(block('dockerfile', dockerfile, 'file=Dockerfile'))).toEqual(['library/golang:1.22', 'library/python:3.12-slim']);
  });

  it('skips images the page builds or tags itself', () => {
    const page = [
      block('dockerfile', 'FROM python:3.12-slim', 'file=Dockerfile'),
      block('shell', 'docker build -t pythonhello .'),
      block('shell', 'docker run -d -p 4000:80 --name pythonhello pythonhello'),
      block('shell', 'docker tag ubuntu mine/ubuntu:1\ndocker run --rm mine/ubuntu:1 true'),
    ].join('\n');
    expect(imagesInMdx(page)).toEqual(['library/python:3.12-slim']);
  });

  it('skips names made of variables and placeholders', () => {
    const body = [
      'docker run -d -p 4001:80 --name pythonhello "$REGISTRY/<username>/pythonhello:latest"',
      'docker pull $REGISTRY/app',
      'docker run --rm <image_id> true',
    ].join('\n');
    expect(imagesInMdx(block('shell', body))).toEqual([]);
  });

  it('reads only the commands of shell blocks that run', () => {
    const page = [
      block('python', 'print("docker run nginx")'),
      block('shell', 'docker run redis', 'norun reason="not here"'),
      block('shell', '$ docker run ubuntu echo hi\nUnable to find image docker run fake locally'),
    ].join('\n');
    expect(imagesInMdx(page)).toEqual(['library/ubuntu:latest']);
  });
});
