#!/bin/bash
# cloud-init user data of a Concert-U origin instance (Amazon Linux 2023, x86_64 or arm64).
#
# Installs Docker, writes the origin's env file from SSM Parameter Store, and runs the
# origin image under systemd: pulled on every start, restarted on failure, stopped with
# SIGTERM and time to drain. See deploy/ec2/README.md for the IAM role, the ALB target
# group, the security groups and migrations.
#
# Set the four values below in the launch template (or prepend `export NAME=...` lines).
set -euo pipefail

# The origin image (docker build -f deploy/Dockerfile . ; pushed to ECR), by immutable tag.
IMAGE="${IMAGE:-123456789012.dkr.ecr.eu-west-1.amazonaws.com/concert-u-origin:v1.0.0}"
# SecureString parameter holding the whole env file (deploy/ec2/origin.env.example).
ENV_PARAMETER="${ENV_PARAMETER:-/concert-u/prod/origin.env}"
# The port the ALB target group sends traffic and health checks to.
ORIGIN_PORT="${ORIGIN_PORT:-3000}"
# Seconds between SIGTERM and SIGKILL: the origin finishes in-flight purchases in this time.
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

exec > >(tee -a /var/log/concert-u-user-data.log) 2>&1
echo "concert-u user data: image ${IMAGE}"

dnf install -y docker
systemctl enable --now docker

# Many short connections to Redis, MySQL and the ALB.
cat > /etc/sysctl.d/90-concert-u.conf <<'EOF'
net.core.somaxconn = 4096
net.ipv4.ip_local_port_range = 10240 65535
EOF
sysctl --system >/dev/null

install -d -m 0755 /opt/concert-u
install -d -m 0700 /etc/concert-u

cat > /etc/concert-u/settings <<EOF
IMAGE=${IMAGE}
ENV_PARAMETER=${ENV_PARAMETER}
ORIGIN_PORT=${ORIGIN_PORT}
STOP_TIMEOUT=${STOP_TIMEOUT}
EOF
chmod 0600 /etc/concert-u/settings

# Runs before every start: fresh env file (rotated secrets take effect on restart), ECR
# login when the image lives in ECR, and the image itself.
cat > /opt/concert-u/prepare.sh <<'EOF'
#!/bin/bash
set -euo pipefail
# shellcheck source=/dev/null
. /etc/concert-u/settings
token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
region=$(curl -fsS -H "X-aws-ec2-metadata-token: ${token}" http://169.254.169.254/latest/meta-data/placement/region)
umask 077
aws ssm get-parameter --region "${region}" --name "${ENV_PARAMETER}" --with-decryption \
  --query Parameter.Value --output text > /etc/concert-u/origin.env.new
mv /etc/concert-u/origin.env.new /etc/concert-u/origin.env
registry="${IMAGE%%/*}"
if [[ "${registry}" == *.dkr.ecr.*.amazonaws.com ]]; then
  aws ecr get-login-password --region "${region}" | docker login --username AWS --password-stdin "${registry}"
fi
docker pull "${IMAGE}"
EOF

# One-off migrations with the same image and env file (a MySQL named lock keeps two runs apart).
cat > /opt/concert-u/migrate.sh <<'EOF'
#!/bin/bash
set -euo pipefail
# shellcheck source=/dev/null
. /etc/concert-u/settings
/opt/concert-u/prepare.sh
exec docker run --rm --init --env-file /etc/concert-u/origin.env "${IMAGE}" bun origin/src/db/migrate.ts
EOF
chmod 0755 /opt/concert-u/prepare.sh /opt/concert-u/migrate.sh

cat > /etc/systemd/system/concert-u-origin.service <<EOF
[Unit]
Description=Concert-U origin (${IMAGE})
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Restart=always
RestartSec=5
TimeoutStartSec=300
TimeoutStopSec=$((STOP_TIMEOUT + 15))
ExecStartPre=/opt/concert-u/prepare.sh
ExecStartPre=-/usr/bin/docker rm -f concert-u-origin
ExecStart=/usr/bin/docker run --rm --name concert-u-origin --init \\
  --env-file /etc/concert-u/origin.env -e ORIGIN_PORT=${ORIGIN_PORT} \\
  -p ${ORIGIN_PORT}:${ORIGIN_PORT} \\
  --stop-signal SIGTERM --stop-timeout ${STOP_TIMEOUT} \\
  --ulimit nofile=65536:65536 --log-driver journald \\
  ${IMAGE}
ExecStop=/usr/bin/docker stop -t ${STOP_TIMEOUT} concert-u-origin

[Install]
WantedBy=multi-user.target
EOF

systemctl daemon-reload
systemctl enable --now concert-u-origin.service
echo "concert-u user data: origin service started"
