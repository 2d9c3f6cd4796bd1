#!/usr/bin/env bash
# make-media.sh: generate the media the three workloads play, watch and classify, from ffmpeg's lavfi test
# sources (nothing is downloaded). Every ffmpeg command is printed before it runs, so a result can be
# reproduced by hand.
#
# Usage: tools/make-media.sh [--out DIR] [--seconds N] [--full] [--force]
#   --out DIR     output directory (default build/media)
#   --seconds N   movie length in seconds (default 20; env DMX_MOVIE_SECONDS)
#   --full        also make the full photo set (photos-full/: about 400 MB, 100 MB per device over 4 devices,
#                 4 KB .. 10 MB per photo)
#   --force       remake files that already exist
# Output:
#   movie-360p.mp4 movie-480p.mp4 movie-720p.mp4 movie-1080p.mp4   H.264 (libx264, high profile) + AAC, 24 fps
#   camera-720x480.pgms   camera clip: 30 fps gray8 frames, concatenated binary PGMs (self-describing)
#   photos/               small photo set for CI (4 KB .. ~1.5 MB JPEGs)
#   photos/split{1..4}/dev{1..4}/   the same photos spread over N = 1..4 devices' storage (hard links,
#                         round robin by name: photo i goes to dev((i-1) % N + 1); devK with K > N is empty),
#                         for scenarios/photo-classify.ini
#   photos-medium/        16 photos, 250 KB .. 9 MB, split the same way (the photo-classify regression)
#   photos-full/          (--full) the paper-scale set
set -euo pipefail
out=build/media seconds=${DMX_MOVIE_SECONDS:-20} full=0 force=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --full) full=1; shift ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make-media.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v ffmpeg >/dev/null || { echo "make-media.sh: ffmpeg not found (run ./configure)" >&2; exit 1; }
mkdir -p "$out/photos"
# Encoding shares a 2-core host with everyone else: one encoder thread each.
ff=(ffmpeg -hide_banner -loglevel error -nostdin -y -threads 1)

run() { echo "+ $*"; "$@"; }
need() { [ "$force" = 1 ] || [ ! -s "$1" ]; }

# Movies: bitrates typical for streaming H.264 at each height (YouTube-like recommendations, 24 fps).
movie() { # name WxH video-bitrate audio-bitrate
  local f="$out/movie-$1.mp4"
  need "$f" || { echo "keep $f"; return 0; }
  run "${ff[@]}" -f lavfi -i "testsrc2=size=$2:rate=24" \
      -f lavfi -i "sine=frequency=440:sample_rate=48000:beep_factor=4" \
      -t "$seconds" -map 0:v -map 1:a -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p \
      -b:v "$3" -maxrate "$3" -bufsize "$3" -g 48 -x264-params threads=1 \
      -c:a aac -b:a "$4" -ac 2 -movflags +faststart "$f.tmp.mp4"
  mv "$f.tmp.mp4" "$f"
}
movie 360p 640x360 800k 96k
movie 480p 854x480 1200k 128k
movie 720p 1280x720 2500k 128k
movie 1080p 1920x1080 5000k 192k

# Camera clip: a moving scene (testsrc2 has moving and sharp-edged parts), 4 s at 30 fps, gray8.
clip="$out/camera-720x480.pgms"
if need "$clip"; then
  run "${ff[@]}" -f lavfi -i "testsrc2=size=720x480:rate=30" -t 4 -pix_fmt gray -c:v pgm -f image2pipe "$clip.tmp"
  mv "$clip.tmp" "$clip"
else echo "keep $clip"; fi

# Photos: JPEG size is set by resolution, quality and detail (noise stands in for a real scene's texture).
photo() { # dir name WxH quality noise source [seed]
  local f="$1/$2.jpg"
  need "$f" || { echo "keep $f"; return 0; }
  run "${ff[@]}" -f lavfi -i "$6=size=$3" -frames:v 1 -vf "noise=alls=$5:allf=u:all_seed=${7:--1},format=yuvj420p" \
      -q:v "$4" "$f"
}
# -q:v is ffmpeg's mjpeg qscale: 2 = best (largest), 31 = worst.
photo "$out/photos" p01-tiny    160x120   6  25 testsrc2
photo "$out/photos" p02-thumb   320x240   10 10 testsrc2
photo "$out/photos" p03-vga     640x480   4  15 testsrc2
photo "$out/photos" p04-hd      1280x720  3  20 mandelbrot
photo "$out/photos" p05-fhd     1920x1080 2  25 testsrc2
photo "$out/photos" p06-cam     2592x1944 3  30 testsrc2
# Per-device splits (hard links: no extra space). Rebuilt every time, so they follow the photo set.
spread() { # dir: spread dir/*.jpg into dir/split{1..4}/dev{1..4}
  local n k i f
  for n in 1 2 3 4; do
    rm -rf "$1/split$n"
    for k in 1 2 3 4; do mkdir -p "$1/split$n/dev$k"; done
    i=0
    for f in "$1"/*.jpg; do
      [ -e "$f" ] || continue
      ln -f "$f" "$1/split$n/dev$(( i % n + 1 ))/" 2>/dev/null || cp -f "$f" "$1/split$n/dev$(( i % n + 1 ))/"
      i=$((i+1))
    done
  done
  echo "spread $1/*.jpg over $1/split{1..4}/dev{1..4}"
}
spread "$out/photos"
# gallery dir prefix digits seed_base per_size "WxH quality noise"...: per_size photos of each size, named
# PREFIX<n>-WxH (n zero-padded to DIGITS), each with its own noise seed (seed_base + n) so no two are alike;
# then spread over the devices.
gallery() {
  local dir=$1 prefix=$2 digits=$3 seed=$4 per=$5 i=0 spec k
  shift 5
  mkdir -p "$dir"
  for spec in "$@"; do
    for k in $(seq 1 "$per"); do
      set -- $spec
      i=$((i+1))
      photo "$dir" "$(printf "%s%0${digits}d" "$prefix" $i)-$1" "$1" "$2" "$3" testsrc2 "$((seed + i))"
    done
  done
  spread "$dir"
}
# A gallery where the network matters, small enough for CI (DynaMix Fig. 9's regression in make check): 16
# photos, 250 KB .. 9 MB, 4 per device once split over 4 devices, the larger ones first.
gallery "$out/photos-medium" m 2 100 4 "4608x3456 2 40" "3264x2448 3 25" "1920x1440 2 20" "1280x960 3 15"
# --full, the paper's scale: about 100 MB per device once split over 4 devices (split4/devK), with a spread like
# a phone's gallery: many small, some large, a few 8-10 MB.
if [ "$full" = 1 ]; then
  gallery "$out/photos-full" f 3 0 12 "160x120 25 0" "320x240 10 5" "640x480 5 10" "1280x960 3 15" \
          "1920x1440 2 20" "3264x2448 3 25" "4032x3024 2 30" "4608x3456 2 40"
fi
ls -l "$out" "$out/photos"
touch "$out/.stamp"
