# Tessera: API server with the revocation worker in-process (`npm run worker` for a worker alone).
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY config ./config
USER node
EXPOSE 8080
CMD ["npx", "tsx", "src/main.ts"]
